package validation

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var uriSchemes = []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}

const (
	moreThanOneHandler = "may not specify more than 1 handler type"
	noHandler          = "must specify a handler type"
)

// probe checks a probe: exactly one handler, non-negative timings, and a
// success threshold of 1 for liveness and startup probes.
func probe(p *corev1.Probe, fldPath *field.Path, successMustBeOne bool) field.ErrorList {
	if p == nil {
		return nil
	}
	h := p.ProbeHandler
	errs := handler(fldPath, h.Exec, h.HTTPGet, h.TCPSocket, h.GRPC, nil)
	for _, f := range [...]struct {
		v    int32
		name string
	}{
		{p.InitialDelaySeconds, "initialDelaySeconds"}, {p.TimeoutSeconds, "timeoutSeconds"}, {p.PeriodSeconds, "periodSeconds"},
		{p.SuccessThreshold, "successThreshold"}, {p.FailureThreshold, "failureThreshold"},
	} {
		if f.v < 0 { // the path only for an error
			errs = append(errs, nonNegative(int64(f.v), fldPath.Child(f.name))...)
		}
	}
	if successMustBeOne && p.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(fldPath.Child("successThreshold"), p.SuccessThreshold, "must be 1"))
	}
	if g := p.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, field.Invalid(fldPath.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
	}
	return errs
}

// lifecycle checks the postStart and preStop handlers.
func lifecycle(l *corev1.Lifecycle, fldPath *field.Path) field.ErrorList {
	if l == nil {
		return nil
	}
	var errs field.ErrorList
	if h := l.PostStart; h != nil {
		errs = append(errs, handler(fldPath.Child("postStart"), h.Exec, h.HTTPGet, h.TCPSocket, nil, h.Sleep)...)
	}
	if h := l.PreStop; h != nil {
		errs = append(errs, handler(fldPath.Child("preStop"), h.Exec, h.HTTPGet, h.TCPSocket, nil, h.Sleep)...)
	}
	return errs
}

// handler requires exactly one of the given actions and checks it.
func handler(fldPath *field.Path, exec *corev1.ExecAction, get *corev1.HTTPGetAction,
	tcp *corev1.TCPSocketAction, grpc *corev1.GRPCAction, sleep *corev1.SleepAction) field.ErrorList {
	var errs field.ErrorList
	n := 0
	one := func(set bool, name string, check func(*field.Path) field.ErrorList) {
		if !set {
			return
		}
		if n > 0 {
			errs = append(errs, field.Forbidden(fldPath.Child(name), moreThanOneHandler))
			return
		}
		n++
		errs = append(errs, check(fldPath.Child(name))...)
	}
	one(exec != nil, "exec", func(p *field.Path) field.ErrorList {
		if len(exec.Command) == 0 {
			return field.ErrorList{field.Required(p.Child("command"), "")}
		}
		return nil
	})
	one(get != nil, "httpGet", func(p *field.Path) field.ErrorList { return httpGetAction(get, p) })
	one(tcp != nil, "tcpSocket", func(p *field.Path) field.ErrorList { return portNumOrName(tcp.Port, p.Child("port")) })
	one(grpc != nil, "grpc", func(p *field.Path) field.ErrorList {
		return invalidMsgs(p.Child("port"), grpc.Port, utilvalidation.IsValidPortNum(int(grpc.Port)))
	})
	one(sleep != nil, "sleep", func(p *field.Path) field.ErrorList {
		if sleep.Seconds < 0 {
			return field.ErrorList{field.Invalid(p.Child("seconds"), sleep.Seconds, "must be non-negative")}
		}
		return nil
	})
	if n == 0 {
		errs = append(errs, field.Required(fldPath, noHandler))
	}
	return errs
}

// httpGetAction checks path, port, scheme and header names.
func httpGetAction(h *corev1.HTTPGetAction, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(fldPath.Child("path"), ""))
	}
	errs = append(errs, portNumOrName(h.Port, fldPath.Child("port"))...)
	errs = append(errs, enumOptional(h.Scheme, uriSchemes, fldPath.Child("scheme"))...)
	for i, hdr := range h.HTTPHeaders {
		errs = append(errs, invalidMsgs(fldPath.Child("httpHeaders").Index(i).Child("name"), hdr.Name, utilvalidation.IsHTTPHeaderName(hdr.Name))...)
	}
	return errs
}

// portNumOrName checks an int-or-string port.
func portNumOrName(port intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	switch port.Type {
	case intstr.Int:
		return invalidMsgs(fldPath, port.IntValue(), utilvalidation.IsValidPortNum(port.IntValue()))
	case intstr.String:
		return invalidMsgs(fldPath, port.StrVal, utilvalidation.IsValidPortName(port.StrVal))
	}
	return field.ErrorList{field.InternalError(fldPath, fmt.Errorf("unknown type: %v", port.Type))}
}
