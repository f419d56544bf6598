// Package operator is what lets one person run many provider nodes as one
// farm: the operator key's certificates that bind nodes to it, and the
// operator's signed policy (pools of its nodes, groups of requesters that
// pools are bound to, and named resource specifications priced by the
// hour) that its nodes fetch and apply, and that every other node uses to
// check pool claims and to explain placement.
//
// Nothing here talks to the network or the store: the node carries
// certificates in offers, gossips policies and keeps them in a Book.
package operator
