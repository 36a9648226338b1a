package printers

import (
	"strings"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	certificatesv1beta1 "k8s.io/api/certificates/v1beta1"
	coordinationv1 "k8s.io/api/coordination/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	rbacv1beta1 "k8s.io/api/rbac/v1beta1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// This file holds the printers of the small cluster-management groups:
// coordination, policy, rbac, scheduling and certificates.

func leasePrinter() *Printer {
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Holder", "string", coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]),
		ageColumn(),
	}
	return typed(cols, func(l *coordinationv1.Lease, now time.Time) []interface{} {
		return []interface{}{l.Name, stringPtrOr(l.Spec.HolderIdentity, ""), age(l.CreationTimestamp, now)}
	})
}

func podDisruptionBudgetPrinter() *Printer {
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Min Available", "string", "The minimum number of pods that must be available."),
		column("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
		column("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
		ageColumn(),
	}
	return typed(cols, func(pdb *policyv1.PodDisruptionBudget, now time.Time) []interface{} {
		minAvailable, maxUnavailable := "N/A", "N/A"
		if pdb.Spec.MinAvailable != nil {
			minAvailable = pdb.Spec.MinAvailable.String()
		}
		if pdb.Spec.MaxUnavailable != nil {
			maxUnavailable = pdb.Spec.MaxUnavailable.String()
		}
		return []interface{}{pdb.Name, minAvailable, maxUnavailable, int64(pdb.Status.DisruptionsAllowed), age(pdb.CreationTimestamp, now)}
	})
}

// roleBindingPrinter prints RoleBindings and ClusterRoleBindings; noun names
// the kind in the column descriptions ("roleBinding", "clusterRoleBinding").
func roleBindingPrinter(noun string) *Printer {
	roleRef := rbacv1beta1.RoleBinding{}.SwaggerDoc()["roleRef"]
	if noun == "clusterRoleBinding" {
		roleRef = rbacv1beta1.ClusterRoleBinding{}.SwaggerDoc()["roleRef"]
	}
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Role", "string", roleRef),
		ageColumn(),
		wideColumn("Users", "string", "Users in the "+noun),
		wideColumn("Groups", "string", "Groups in the "+noun),
		wideColumn("ServiceAccounts", "string", "ServiceAccounts in the "+noun),
	}
	return &Printer{
		Columns: cols,
		Row: func(obj runtime.Object, now time.Time) ([]interface{}, error) {
			switch b := obj.(type) {
			case *rbacv1.RoleBinding:
				return bindingRow(b.ObjectMeta, b.RoleRef, b.Subjects, now), nil
			case *rbacv1.ClusterRoleBinding:
				return bindingRow(b.ObjectMeta, b.RoleRef, b.Subjects, now), nil
			}
			return nil, unexpectedType(obj, &rbacv1.RoleBinding{})
		},
	}
}

func bindingRow(meta metav1.ObjectMeta, ref rbacv1.RoleRef, subjects []rbacv1.Subject, now time.Time) []interface{} {
	var users, groups, serviceAccounts []string
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.UserKind:
			users = append(users, s.Name)
		case rbacv1.GroupKind:
			groups = append(groups, s.Name)
		case rbacv1.ServiceAccountKind:
			serviceAccounts = append(serviceAccounts, s.Namespace+"/"+s.Name)
		}
	}
	return []interface{}{
		meta.Name,
		ref.Kind + "/" + ref.Name,
		age(meta.CreationTimestamp, now),
		strings.Join(users, ", "),
		strings.Join(groups, ", "),
		strings.Join(serviceAccounts, ", "),
	}
}

func priorityClassPrinter() *Printer {
	doc := schedulingv1.PriorityClass{}.SwaggerDoc()
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Value", "integer", doc["value"]),
		column("Global-Default", "boolean", doc["globalDefault"]),
		ageColumn(),
		column("PreemptionPolicy", "string", doc["preemptionPolicy"]),
	}
	return typed(cols, func(pc *schedulingv1.PriorityClass, now time.Time) []interface{} {
		policy := ""
		if pc.PreemptionPolicy != nil {
			policy = string(*pc.PreemptionPolicy)
		}
		return []interface{}{pc.Name, int64(pc.Value), pc.GlobalDefault, age(pc.CreationTimestamp, now), policy}
	})
}

func certificateSigningRequestPrinter() *Printer {
	spec := certificatesv1beta1.CertificateSigningRequestSpec{}.SwaggerDoc()
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		ageColumn(),
		column("SignerName", "string", spec["signerName"]),
		column("Requestor", "string", spec["request"]),
		column("RequestedDuration", "string", spec["expirationSeconds"]),
		column("Condition", "string", certificatesv1beta1.CertificateSigningRequestStatus{}.SwaggerDoc()["conditions"]),
	}
	return typed(cols, func(csr *certificatesv1.CertificateSigningRequest, now time.Time) []interface{} {
		requested := "<none>"
		if s := csr.Spec.ExpirationSeconds; s != nil {
			requested = duration.HumanDuration(time.Duration(*s) * time.Second)
		}
		return []interface{}{
			csr.Name,
			age(csr.CreationTimestamp, now),
			stringOr(csr.Spec.SignerName, "<none>"),
			csr.Spec.Username,
			requested,
			csrCondition(csr),
		}
	})
}

// csrCondition is "Denied", "Approved" or "Pending", then ",Failed" and
// ",Issued" as they apply.
func csrCondition(csr *certificatesv1.CertificateSigningRequest) string {
	var approved, denied, failed bool
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	status := "Pending"
	if denied {
		status = "Denied"
	} else if approved {
		status = "Approved"
	}
	if failed {
		status += ",Failed"
	}
	if len(csr.Status.Certificate) > 0 {
		status += ",Issued"
	}
	return status
}
