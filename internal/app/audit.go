package app

import (
	"bytes"
	"errors"
	"net/http"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/skiff-dev/skiff/internal/apiserver/audit"
)

// startAudit loads --audit-policy-file and opens --audit-log-path. wrap
// installs the audit middleware (it must go inside authentication); with
// no policy wrap returns its handler unchanged, so requests pay nothing.
// closeLog closes the log file.
//
// The chain (authn.go) applies wrap right after authentication, as
// upstream does: requests authorization denies are audited too.
func startAudit(cfg ServerConfig) (wrap func(http.Handler) http.Handler, closeLog func(), err error) {
	if cfg.AuditPolicyFile == "" {
		return func(h http.Handler) http.Handler { return h }, func() {}, nil
	}
	if cfg.AuditLogPath == "" {
		return nil, nil, errors.New("--audit-policy-file needs --audit-log-path")
	}
	policy, err := audit.LoadPolicy(cfg.AuditPolicyFile)
	if err != nil {
		return nil, nil, err
	}
	log, err := audit.OpenLog(cfg.AuditLogPath)
	if err != nil {
		return nil, nil, err
	}
	wrap = func(h http.Handler) http.Handler {
		return audit.Handler(h, audit.Config{Policy: policy, Sink: log, Now: cfg.Now, ToJSON: protobufToJSON()})
	}
	return wrap, func() {
		if err := log.Close(); err != nil {
			cfg.Logger.Error("audit log", "err", err)
		}
	}, nil
}

// protobufToJSON re-encodes a protobuf object (a request or response body)
// as JSON for the audit log, with the types the server serves.
func protobufToJSON() func([]byte) ([]byte, bool) {
	codecs := serializer.NewCodecFactory(scheme.Scheme)
	dec := codecs.UniversalDeserializer()
	info, _ := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	return func(b []byte) ([]byte, bool) {
		obj, _, err := dec.Decode(b, nil, nil)
		if err != nil {
			return nil, false
		}
		var buf bytes.Buffer
		if err := info.Serializer.Encode(obj, &buf); err != nil {
			return nil, false
		}
		return bytes.TrimSpace(buf.Bytes()), true
	}
}
