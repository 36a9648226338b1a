// Package certificates holds the two controllers of certificates.k8s.io/v1
// CertificateSigningRequests that upstream's kube-controller-manager runs as
// csrapproving and csrsigning.
//
// The Approver auto-approves kubernetes.io/kube-apiserver-client-kubelet
// requests whose content is a node client certificate
// (CN=system:node:<name>, O=system:nodes, no subject alternative names,
// usages client auth and digital signature, optionally key encipherment),
// once a SubjectAccessReview says the requester may create
// certificatesigningrequests/selfnodeclient (a node renewing its own
// certificate) or certificatesigningrequests/nodeclient (a bootstrapper).
// It never denies: what it does not recognise is left for a human
// (`kubectl certificate approve|deny`).
//
// The Signer issues certificates for approved requests of the signers
// kubernetes.io/kube-apiserver-client, kubernetes.io/kube-apiserver-client-kubelet
// and kubernetes.io/kubelet-serving with the cluster CA, after checking
// the request fits the signer (a failure is recorded as a Failed
// condition with reason SignerValidationFailure, as upstream). Validity is
// the signer's duration (one year), shortened by spec.expirationSeconds
// (never below ten minutes). Denied or failed requests are never signed.
//
//	a := certificates.NewApprover(certificates.Config{Client: cs, Factory: f})
//	s := certificates.NewSigner(certificates.Config{Client: cs, Factory: f, Sign: fn})
//	go a.Run(ctx); go s.Run(ctx)
package certificates
