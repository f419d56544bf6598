// Package nsenter runs a function inside another network namespace: on
// a locked OS thread that enters the namespace and goes back after. The
// job network creates its TUN interfaces this way and the docker executor
// dials a service task's port this way; what such a function creates (a
// TUN file, a socket) stays in that namespace and is usable from any
// thread. Unavailable says whether this process may enter namespaces at
// all.
package nsenter
