package job

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Canonical returns the canonical encoding of s: its JSON encoding with
// struct fields in declaration order, map keys sorted, quantities in their
// canonical form and empty optional fields left out. Equal specs have
// equal encodings, across runs and builds.
func Canonical(s Spec) []byte {
	b, err := json.Marshal(s)
	if err != nil {
		// Every field type of Spec marshals without error.
		panic(fmt.Sprintf("job: marshal spec: %v", err))
	}
	return b
}

// Digest returns "sha256:<hex>" over Canonical(s). It identifies the exact
// job the requester asked for: deals and receipts sign over it, so both
// sides must compute it over the same spec, after ApplyDefaults (a field
// left to its default and the same value written out give different
// digests until defaults are applied).
func Digest(s Spec) string {
	sum := sha256.Sum256(Canonical(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}
