// Package hygiene holds tests of the repository's own rules: every package
// has a doc comment, the leaf packages (job, offer, sched, identity, money)
// import no Docker, libp2p or chain code, and no grab-bag packages exist.
package hygiene
