// Package apis owns what the server serves: the table of resources (group,
// version, resource, kind, scope, verbs, short names, subresources, table
// printers) and the per-kind field selectors. Defaulting and validation live
// in the defaults and validation sub-packages; server-side table columns in
// printers. The table is built explicitly by Table; nothing registers itself
// on import.
package apis
