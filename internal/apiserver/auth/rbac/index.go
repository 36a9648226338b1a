package rbac

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// bySubject indexes bindings by the subjects they name, so that a request
// looks at the bindings of its own user and groups only, never at all of
// them. Keys are "u:<user>", "g:<group>" and "sa:<namespace>:<name>";
// role binding keys are prefixed with the binding's namespace and "/".
const bySubject = "subject"

const saPrefix = "system:serviceaccount:"

func subjectKey(s *rbacv1.Subject, bindingNamespace string) string {
	switch s.Kind {
	case rbacv1.UserKind:
		return "u:" + s.Name
	case rbacv1.GroupKind:
		return "g:" + s.Name
	case rbacv1.ServiceAccountKind:
		// A role binding may leave out the namespace of a service account
		// in its own namespace, as upstream.
		ns := s.Namespace
		if ns == "" {
			ns = bindingNamespace
		}
		if ns == "" {
			return ""
		}
		return "sa:" + ns + ":" + s.Name
	}
	return ""
}

func clusterRoleBindingSubjects(obj any) ([]string, error) {
	b, ok := obj.(*rbacv1.ClusterRoleBinding)
	if !ok {
		return nil, fmt.Errorf("index %T as a cluster role binding", obj)
	}
	return subjectKeys(b.Subjects, "", ""), nil
}

func roleBindingSubjects(obj any) ([]string, error) {
	b, ok := obj.(*rbacv1.RoleBinding)
	if !ok {
		return nil, fmt.Errorf("index %T as a role binding", obj)
	}
	return subjectKeys(b.Subjects, b.Namespace, b.Namespace+"/"), nil
}

func subjectKeys(subjects []rbacv1.Subject, ns, prefix string) []string {
	keys := make([]string, 0, len(subjects))
	for i := range subjects {
		if k := subjectKey(&subjects[i], ns); k != "" {
			keys = append(keys, prefix+k)
		}
	}
	return keys
}

// userKeys are the index keys a user's bindings are found under.
func userKeys(u auth.User) []string {
	keys := make([]string, 0, len(u.Groups)+2)
	keys = append(keys, "u:"+u.Name)
	for _, g := range u.Groups {
		keys = append(keys, "g:"+g)
	}
	if ns, name, ok := serviceAccountOf(u.Name); ok {
		keys = append(keys, "sa:"+ns+":"+name)
	}
	return keys
}

// serviceAccountOf splits "system:serviceaccount:<ns>:<name>".
func serviceAccountOf(user string) (ns, name string, ok bool) {
	rest, found := strings.CutPrefix(user, saPrefix)
	if !found {
		return "", "", false
	}
	ns, name, ok = strings.Cut(rest, ":")
	if !ok || ns == "" || name == "" || strings.Contains(name, ":") {
		return "", "", false
	}
	return ns, name, true
}

func clusterRoleBindingIndexers() cache.Indexers {
	return cache.Indexers{bySubject: clusterRoleBindingSubjects}
}

func roleBindingIndexers() cache.Indexers {
	return cache.Indexers{bySubject: roleBindingSubjects}
}
