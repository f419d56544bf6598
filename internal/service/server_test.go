package service

import (
	"testing"

	"github.com/deco-network/deco/internal/identity"
)

// TestServerPeerAddressCached: the cached peer-ID-to-address lookup the
// provider checks each request's sender with gives each peer its own
// address, first and later, and refuses an ID that is not one.
func TestServerPeerAddressCached(t *testing.T) {
	s := NewServer(ServerConfig{})
	keys := []*identity.Key{testKey(t), testKey(t)}
	for range 2 {
		for _, k := range keys {
			if got, err := s.peerAddress(k.PeerID()); err != nil || got != k.Address() {
				t.Fatalf("peer %s: address %s (%v), want %s", k.PeerID(), got, err, k.Address())
			}
		}
	}
	if _, err := s.peerAddress("not-a-peer-id"); err == nil {
		t.Fatal("a bad peer ID gave an address")
	}
}
