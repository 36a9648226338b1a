// Package plugins holds the in-tree scheduler plugins, one package each
// (queuesort, nodename, nodeunschedulable, tainttoleration, nodeaffinity,
// noderesources, nodeports, interpodaffinity, podtopologyspread,
// imagelocality, volumebinding, defaultpreemption). They depend only on
// internal/scheduler/framework and never on each other; the registry that
// names them lives in internal/scheduler.
package plugins
