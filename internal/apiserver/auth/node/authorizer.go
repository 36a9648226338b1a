package node

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
	"github.com/skiff-dev/skiff/internal/apiserver/auth/rbac"
)

// The identity of nodes, as upstream.
const (
	Group      = "system:nodes"
	UserPrefix = "system:node:"
	// LeaseNamespace holds the nodes' heartbeat Leases.
	LeaseNamespace = "kube-node-lease"
)

const byNodeIndex = "spec.nodeName"

// NameOf returns the node name of a node identity; ok is false for users
// that are not nodes (not in system:nodes, or not named system:node:...).
func NameOf(u auth.User) (name string, ok bool) {
	if !strings.HasPrefix(u.Name, UserPrefix) {
		return "", false
	}
	for _, g := range u.Groups {
		if g == Group {
			return strings.TrimPrefix(u.Name, UserPrefix), true
		}
	}
	return "", false
}

// Authorizer is the node authorizer; it is safe for concurrent use.
type Authorizer struct {
	pods  cache.Indexer
	rules []rbacv1.PolicyRule
}

var _ auth.Authorizer = (*Authorizer)(nil)

// New returns an authorizer over pods, an indexer of every pod; pods
// must carry the index Register adds (tests build one with NewIndexer).
func New(pods cache.Indexer) *Authorizer {
	return &Authorizer{pods: pods, rules: rbac.NodeRules()}
}

// NewIndexer returns an empty pod indexer with the index the authorizer
// reads, for tests.
func NewIndexer() cache.Indexer {
	return cache.NewIndexer(cache.MetaNamespaceKeyFunc, indexers())
}

func indexers() cache.Indexers {
	return cache.Indexers{byNodeIndex: func(obj any) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
			return []string{p.Spec.NodeName}, nil
		}
		return nil, nil
	}}
}

// Start registers the pod informer of f, starts f and returns an
// authorizer once the pods have synced or ctx ends.
func Start(ctx context.Context, f informers.SharedInformerFactory) (*Authorizer, error) {
	inf := f.Core().V1().Pods().Informer()
	if err := inf.AddIndexers(indexers()); err != nil {
		return nil, fmt.Errorf("index pods: %w", err)
	}
	f.StartWithContext(ctx)
	if !cache.WaitFor(ctx, "", inf.HasSyncedChecker()) {
		return nil, fmt.Errorf("pod cache did not sync: %w", ctx.Err())
	}
	return New(inf.GetIndexer()), nil
}

// Authorize implements auth.Authorizer.
func (a *Authorizer) Authorize(u auth.User, attrs auth.Attributes) (bool, string) {
	node, ok := NameOf(u)
	if !ok {
		return false, ""
	}
	if node == "" {
		return false, "unknown node for user " + fmt.Sprintf("%q", u.Name)
	}
	if attrs.ResourceRequest && attrs.APIGroup == "" {
		switch attrs.Resource {
		case "secrets", "configmaps":
			return a.readReferenced(node, attrs)
		case "persistentvolumeclaims":
			if attrs.Subresource != "" {
				return false, "can only get individual resources of this type"
			}
			return a.readReferenced(node, attrs)
		case "persistentvolumes":
			return false, fmt.Sprintf("no relationship found between node '%s' and this object", node)
		case "serviceaccounts":
			return a.createToken(node, attrs)
		case "nodes":
			return a.authorizeNode(node, attrs)
		case "pods":
			return a.authorizePod(node, attrs)
		}
	}
	if attrs.ResourceRequest && attrs.APIGroup == "coordination.k8s.io" && attrs.Resource == "leases" {
		return a.authorizeLease(node, attrs)
	}
	return a.allowedByRules(attrs), ""
}

func (a *Authorizer) allowedByRules(attrs auth.Attributes) bool {
	return rbac.Allows(a.rules, attrs)
}

// noRelation is upstream's reason for an object no pod of the node uses.
func noRelation(node string) string {
	return fmt.Sprintf("no relationship found between node '%s' and this object", node)
}

// readReferenced allows get (and a list or watch of one name) of an object
// a pod bound to node uses.
func (a *Authorizer) readReferenced(node string, attrs auth.Attributes) (bool, string) {
	switch attrs.Verb {
	case "get", "list", "watch":
	default:
		return false, "can only read resources of this type"
	}
	if attrs.Name == "" {
		return false, "can only read namespaced object of this type"
	}
	if attrs.Subresource != "" {
		return false, "cannot read subresource"
	}
	for _, p := range a.nodePods(node) {
		if p.Namespace == attrs.Namespace && references(p, attrs.Resource, attrs.Name) {
			return true, ""
		}
	}
	return false, noRelation(node)
}

// createToken allows serviceaccounts/token create for an account a pod
// bound to node runs as.
func (a *Authorizer) createToken(node string, attrs auth.Attributes) (bool, string) {
	if attrs.Verb != "create" || attrs.Subresource != "token" || attrs.Name == "" {
		return false, "can only create tokens for individual service accounts"
	}
	for _, p := range a.nodePods(node) {
		if p.Namespace == attrs.Namespace && serviceAccountOf(p) == attrs.Name {
			return true, ""
		}
	}
	return false, noRelation(node)
}

// authorizeNode allows reads and writes of the node's own Node only.
func (a *Authorizer) authorizeNode(node string, attrs auth.Attributes) (bool, string) {
	if attrs.Verb == "create" && attrs.Subresource == "" {
		return a.allowedByRules(attrs), "" // NodeRestriction checks the name
	}
	if attrs.Name != node {
		return false, fmt.Sprintf("node '%s' cannot %s '%s', only its own Node object", node, attrs.Verb, nameOrAll(attrs.Name))
	}
	return a.allowedByRules(attrs), ""
}

// authorizeLease allows the node's own Lease in kube-node-lease only.
func (a *Authorizer) authorizeLease(node string, attrs auth.Attributes) (bool, string) {
	if attrs.Namespace != LeaseNamespace || (attrs.Verb != "create" && attrs.Name != node) {
		return false, "can only access node lease with the same name as the requesting node"
	}
	return a.allowedByRules(attrs), ""
}

// authorizePod allows the pods bound to node.
func (a *Authorizer) authorizePod(node string, attrs auth.Attributes) (bool, string) {
	switch {
	case attrs.Verb == "list" || attrs.Verb == "watch":
		if attrs.Name == "" && !selectsNode(attrs.FieldSelector, node) {
			return false, "can only list/watch pods with spec.nodeName field selector"
		}
		if attrs.Name != "" && !a.boundTo(node, attrs.Namespace, attrs.Name) {
			return false, noRelation(node)
		}
		return a.allowedByRules(attrs), ""
	case attrs.Verb == "create" && attrs.Subresource == "":
		return a.allowedByRules(attrs), "" // NodeRestriction admits mirror pods only
	}
	if !a.boundTo(node, attrs.Namespace, attrs.Name) {
		return false, noRelation(node)
	}
	return a.allowedByRules(attrs), ""
}

func nameOrAll(name string) string {
	if name == "" {
		return "all nodes"
	}
	return name
}

// selectsNode reports a field selector that pins spec.nodeName to node.
func selectsNode(raw, node string) bool {
	sel, err := fields.ParseSelector(raw)
	if err != nil {
		return false
	}
	v, ok := sel.RequiresExactMatch("spec.nodeName")
	return ok && v == node
}

// boundTo reports whether the pod namespace/name is bound to node.
func (a *Authorizer) boundTo(node, namespace, name string) bool {
	if name == "" {
		return false
	}
	obj, ok, err := a.pods.GetByKey(namespace + "/" + name)
	if err != nil || !ok {
		return false
	}
	return obj.(*corev1.Pod).Spec.NodeName == node
}

func (a *Authorizer) nodePods(node string) []*corev1.Pod {
	objs, err := a.pods.ByIndex(byNodeIndex, node)
	if err != nil {
		return nil
	}
	out := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*corev1.Pod))
	}
	return out
}
