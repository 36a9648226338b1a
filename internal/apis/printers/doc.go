// Package printers owns the server-side table columns of every served kind:
// the NAME/READY/STATUS/RESTARTS/AGE of pods and their likes, with the
// wide-only columns marked priority 1, as upstream's printers define them.
package printers
