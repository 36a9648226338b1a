package admission

import (
	"context"

	certv1 "k8s.io/api/certificates/v1"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// CSRRequester stamps a CertificateSigningRequest being created with who
// asked (spec.username, uid, groups, extra), as upstream's CSR strategy
// does in PrepareForCreate, whatever the client wrote there: the approver
// decides on these fields.
type CSRRequester struct{}

var _ Mutator = CSRRequester{}

// Name names the step.
func (CSRRequester) Name() string { return "CertificateSigningRequestRequester" }

// Mutate implements Mutator.
func (CSRRequester) Mutate(ctx context.Context, a *Attributes) error {
	csr, ok := a.Object.(*certv1.CertificateSigningRequest)
	if !ok || a.Operation != Create {
		return nil
	}
	u, ok := auth.UserFrom(ctx)
	if !ok {
		return nil
	}
	csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups = u.Name, u.UID, u.Groups
	csr.Spec.Extra = nil
	for k, v := range u.Extra {
		if csr.Spec.Extra == nil {
			csr.Spec.Extra = map[string]certv1.ExtraValue{}
		}
		csr.Spec.Extra[k] = certv1.ExtraValue(v)
	}
	return nil
}
