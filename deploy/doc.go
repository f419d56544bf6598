// Package deploy holds how deco is installed and run outside a developer's
// shell: the systemd unit, the .deb (nfpm), the node image and the compose
// file of a multi-node network. It has no Go code of its own; its tests
// build each artifact and check it the way its users' tools will.
package deploy
