// Package node is the node authorizer, upstream's Node authorization mode:
// it decides the requests of kubelets, the users system:node:<name> in
// group system:nodes, and has no opinion on anyone else (RBAC decides
// them; it comes after this authorizer in the chain, as upstream's
// --authorization-mode=Node,RBAC).
//
// A node may do what upstream's system:node role allows (rbac.NodeRules),
// narrowed to its own objects:
//   - nodes: get, list and watch only its own Node (lists and watches
//     with the field selector metadata.name=<node>), update and patch it
//     and its status; create is checked by NodeRestriction admission;
//   - leases: only kube-node-lease/<node>;
//   - pods: get, delete, status updates and evictions of pods bound to it,
//     list and watch only with the field selector spec.nodeName=<node>
//     (upstream's AuthorizeNodeWithSelectors), create (NodeRestriction
//     admits mirror pods only);
//   - secrets, configmaps and persistentvolumeclaims: get (list and watch
//     of one name) of those a pod bound to it uses;
//   - serviceaccounts/token: create for service accounts a pod bound to
//     it runs as;
//   - the rest of the node rules as they are (events, services, CSRs, ...).
//
// The relations come from a pod informer indexed by spec.nodeName, not
// upstream's graph: a check walks the pods of the node. Persistent
// volumes are not related to nodes here, so a node cannot read them.
package node
