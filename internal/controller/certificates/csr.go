package certificates

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
)

// Upstream's built-in signer names.
const (
	SignerKubeAPIServerClient        = certv1.KubeAPIServerClientSignerName
	SignerKubeAPIServerClientKubelet = certv1.KubeAPIServerClientKubeletSignerName
	SignerKubeletServing             = certv1.KubeletServingSignerName
)

// NodesGroup and NodeUserPrefix make a node's identity:
// system:node:<name> in group system:nodes.
const (
	NodesGroup     = "system:nodes"
	NodeUserPrefix = "system:node:"
)

// parseCSR decodes the PEM CERTIFICATE REQUEST of spec.request.
func parseCSR(pemBytes []byte) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("PEM block type must be CERTIFICATE REQUEST")
	}
	return x509.ParseCertificateRequest(block.Bytes)
}

// conditionOf returns the condition of type t, if any.
func conditionOf(csr *certv1.CertificateSigningRequest, t certv1.RequestConditionType) *certv1.CertificateSigningRequestCondition {
	for i := range csr.Status.Conditions {
		if csr.Status.Conditions[i].Type == t {
			return &csr.Status.Conditions[i]
		}
	}
	return nil
}

// isTrue reports a condition of type t with status True (an empty status
// counts as True, as upstream treats conditions written by old clients).
func isTrue(csr *certv1.CertificateSigningRequest, t certv1.RequestConditionType) bool {
	c := conditionOf(csr, t)
	return c != nil && (c.Status == corev1.ConditionTrue || c.Status == "")
}

// approvedOrDenied reports whether a request was decided either way.
func approvedOrDenied(csr *certv1.CertificateSigningRequest) bool {
	return isTrue(csr, certv1.CertificateApproved) || isTrue(csr, certv1.CertificateDenied)
}

// usageSet is a set of key usages.
type usageSet map[certv1.KeyUsage]bool

func newUsageSet(us []certv1.KeyUsage) usageSet {
	s := usageSet{}
	for _, u := range us {
		s[u] = true
	}
	return s
}

// within reports whether every usage of s is in allowed.
func (s usageSet) within(allowed ...certv1.KeyUsage) bool {
	for u := range s {
		if !slices.Contains(allowed, u) {
			return false
		}
	}
	return true
}

// validateKubeletClient checks a request is a node client certificate, as
// upstream's ValidateKubeletClientCSR: O=[system:nodes], CN
// system:node:<name>, no SANs, usages client auth + digital signature
// (key encipherment allowed).
func validateKubeletClient(req *x509.CertificateRequest, usages []certv1.KeyUsage) error {
	if !slices.Equal(req.Subject.Organization, []string{NodesGroup}) {
		return fmt.Errorf("subject organization is not %s", NodesGroup)
	}
	if len(req.DNSNames) > 0 {
		return errors.New("dnsNames are not allowed")
	}
	if len(req.EmailAddresses) > 0 {
		return errors.New("email addresses are not allowed")
	}
	if len(req.IPAddresses) > 0 {
		return errors.New("IP addresses are not allowed")
	}
	if len(req.URIs) > 0 {
		return errors.New("URIs are not allowed")
	}
	if !strings.HasPrefix(req.Subject.CommonName, NodeUserPrefix) || len(req.Subject.CommonName) == len(NodeUserPrefix) {
		return fmt.Errorf("subject common name does not begin with %s", NodeUserPrefix)
	}
	set := newUsageSet(usages)
	if !set[certv1.UsageClientAuth] || !set[certv1.UsageDigitalSignature] ||
		!set.within(certv1.UsageClientAuth, certv1.UsageDigitalSignature, certv1.UsageKeyEncipherment) {
		return fmt.Errorf("usages did not match %v", []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageKeyEncipherment, certv1.UsageClientAuth})
	}
	return nil
}

// validateKubeletServing checks a kubelet serving request, as upstream's
// ValidateKubeletServingCSR: O=[system:nodes], CN system:node:<name>, DNS
// or IP SANs only, at least one of them, server auth usage.
func validateKubeletServing(req *x509.CertificateRequest, usages []certv1.KeyUsage) error {
	if !slices.Equal(req.Subject.Organization, []string{NodesGroup}) {
		return fmt.Errorf("subject organization is not %s", NodesGroup)
	}
	if len(req.EmailAddresses) > 0 {
		return errors.New("email subjectAltNames are not allowed")
	}
	if len(req.URIs) > 0 {
		return errors.New("URI subjectAltNames are not allowed")
	}
	if len(req.DNSNames) == 0 && len(req.IPAddresses) == 0 {
		return errors.New("DNS or IP subjectAltName is required")
	}
	if !strings.HasPrefix(req.Subject.CommonName, NodeUserPrefix) {
		return fmt.Errorf("subject common name does not begin with %s", NodeUserPrefix)
	}
	set := newUsageSet(usages)
	if !set[certv1.UsageServerAuth] || !set.within(certv1.UsageServerAuth, certv1.UsageDigitalSignature, certv1.UsageKeyEncipherment) {
		return fmt.Errorf("usages did not match %v", []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageKeyEncipherment, certv1.UsageServerAuth})
	}
	return nil
}

// validateAPIServerClient checks a kube-apiserver-client request: client
// auth, and nothing beyond digital signature and key encipherment.
func validateAPIServerClient(_ *x509.CertificateRequest, usages []certv1.KeyUsage) error {
	set := newUsageSet(usages)
	if !set[certv1.UsageClientAuth] || !set.within(certv1.UsageClientAuth, certv1.UsageDigitalSignature, certv1.UsageKeyEncipherment) {
		return fmt.Errorf("invalid usage for client certificate: %v", usages)
	}
	return nil
}

// signerValidators are the signers this package issues for.
var signerValidators = map[string]func(*x509.CertificateRequest, []certv1.KeyUsage) error{
	SignerKubeAPIServerClient:        validateAPIServerClient,
	SignerKubeAPIServerClientKubelet: validateKubeletClient,
	SignerKubeletServing:             validateKubeletServing,
}

// extKeyUsages maps the request's usages to x509 extended key usages.
func extKeyUsages(usages []certv1.KeyUsage) []x509.ExtKeyUsage {
	var out []x509.ExtKeyUsage
	for _, u := range usages {
		switch u {
		case certv1.UsageClientAuth:
			out = append(out, x509.ExtKeyUsageClientAuth)
		case certv1.UsageServerAuth:
			out = append(out, x509.ExtKeyUsageServerAuth)
		}
	}
	return out
}
