package node

import (
	"context"
	"fmt"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/reputation"
)

// AttestationTopic is the gossip topic every node joins to publish and
// take reputation attestations.
const AttestationTopic = "/deco/attestations/1"

// startReputation builds the node's reputation book, joins the attestation
// topic (the book checks every message before it is delivered or
// forwarded), keeps what the topic delivers and reads stakes and disputes
// from the chain in the background.
func (n *Node) startReputation(ctx context.Context) error {
	var chain reputation.Chain
	if s := n.Settlement(); s != nil {
		chain = s
	}
	var topic *p2p.Topic
	book, err := reputation.New(ctx, reputation.Config{Logger: n.log.With("component", "reputation"), Clock: n.cfg.Clock,
		Store: n.store, Key: n.key, Chain: chain,
		Publish: func(b []byte) error { return topic.Publish(n.runCtx, b) }})
	if err != nil {
		return err
	}
	topic, err = n.host.Join(AttestationTopic, reputation.MaxSize, book.Check)
	if err != nil {
		return err
	}
	sub, err := topic.Subscribe(n.runCtx)
	if err != nil {
		return err
	}
	n.reputation = book
	n.wg.Add(2)
	go func() {
		defer n.wg.Done()
		for m := range sub {
			if err := book.Receive(m.Data); err != nil {
				n.log.Debug("attestation dropped", "from", m.ReceivedFrom, "err", err)
			}
		}
	}()
	go func() { defer n.wg.Done(); _ = book.Run(n.runCtx) }()
	return nil
}

// Reputation is the node's reputation book: what it knows of other nodes'
// conduct, and its own attestations.
func (n *Node) Reputation() *reputation.Book { return n.reputation }

// Reputation answers GET /v1/reputation/{node}.
func (b backend) Reputation(_ context.Context, node string, limit int) (api.Reputation, error) {
	if _, err := identity.PeerAddress(node); err != nil {
		return api.Reputation{}, fmt.Errorf("%w: node: %v", api.ErrBadRequest, err)
	}
	s := b.n.reputation.Summary(node, limit)
	out := api.Reputation{Node: s.Node, Score: s.Score, Known: s.Known, Slashed: s.Slashed, Count: s.Count,
		Attestations: s.Recent}
	if out.Attestations == nil {
		out.Attestations = []reputation.Attestation{}
	}
	return out, nil
}
