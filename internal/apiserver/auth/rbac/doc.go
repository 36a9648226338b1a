// Package rbac owns authorization by Role-Based Access Control, as
// upstream: the Authorizer, the default policy and the clusterrole
// aggregation controller.
//
// The Authorizer decides a request (auth.User plus auth.Attributes) from
// Roles, ClusterRoles, RoleBindings and ClusterRoleBindings held in
// client-go informer caches; it never reads storage per request. Bindings
// are indexed by subject ("u:alice", "g:system:authenticated",
// "sa:<ns>:<name>"; role bindings also by namespace), so a request looks
// only at the bindings that name its user, its groups or its service
// account, however many bindings exist. The rules so found for a user in
// a namespace are resolved once and cached until the next change of any
// RBAC object (a generation counter the informers' handlers bump), so a
// decision is a lock-free map lookup and a scan of the user's own rules,
// with no allocation. Members of system:masters are
// allowed everything. A denial carries upstream's "RBAC: ..." reason when
// a binding of the user names a role that does not exist.
//
// Aggregation (aggregationRule) is done as upstream does it, by a
// controller that writes the aggregated rules into the aggregating role's
// .rules: EnsurePolicy computes them once at start, and the Aggregator
// keeps them current as cluster roles change. The Authorizer only reads
// .rules.
//
// Startup, as internal/app does it:
//
//	az := rbac.NewAuthorizer()                        // default policy until Start
//	handler := auth.Authenticate(auth.Authorize(api, az))
//	client := kubernetes.NewForConfig(inproc.Config(handler, "system:apiserver", "system:masters"))
//	rbac.EnsurePolicy(ctx, client)                    // defaults, reconciled; aggregation done
//	f := informers.NewSharedInformerFactory(client, 0)
//	agg, _ := rbac.NewAggregator(client, f, log)
//	az.Start(ctx, f)                                  // returns once the caches have synced
//	go agg.Run(ctx)
//
// Until Start has synced, the Authorizer decides by the default policy in
// memory, so public health endpoints answer during startup.
package rbac
