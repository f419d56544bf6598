package p2p

import (
	"context"
	"errors"
	"fmt"
	"sync"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Topic is a GossipSub topic this host has joined.
type Topic struct {
	h    *Host
	name string
	max  int
	t    *pubsub.Topic

	mu     sync.Mutex
	subs   map[*pubsub.Subscription]context.CancelFunc
	events map[*pubsub.TopicEventHandler]watcher
	closed bool
}

// Message is one gossip message delivered to a subscription. Messages name
// no author and carry no signature: a payload that must be attributed has
// to authenticate itself (deco's offers are signed by their node).
type Message struct {
	// Data is the payload.
	Data []byte
	// ReceivedFrom is the peer that forwarded the message to this host
	// (the host itself for its own messages).
	ReceivedFrom peer.ID
}

// Join joins the GossipSub topic name. Messages whose payload exceeds
// maxMsgSize bytes, or that accept (when not nil) refuses, are neither
// published nor delivered nor forwarded, and the peer that sent one is
// marked down by GossipSub's peer scoring. maxMsgSize may not exceed
// Config.MaxGossipSize; zero means Config.MaxGossipSize. A topic can be
// joined once per host.
func (h *Host) Join(name string, maxMsgSize int, accept func(data []byte) error) (*Topic, error) {
	if maxMsgSize == 0 {
		maxMsgSize = h.cfg.MaxGossipSize
	}
	if maxMsgSize < 0 || maxMsgSize > h.cfg.MaxGossipSize {
		return nil, fmt.Errorf("join topic %q: size cap %d outside 0..%d", name, maxMsgSize, h.cfg.MaxGossipSize)
	}
	validate := func(_ context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
		if len(m.Data) > maxMsgSize {
			return pubsub.ValidationReject
		}
		if accept != nil {
			if err := accept(m.Data); err != nil {
				h.log.Debug("gossip message refused", "topic", name, "from", from, "err", err)
				return pubsub.ValidationReject
			}
		}
		return pubsub.ValidationAccept
	}
	if err := h.ps.RegisterTopicValidator(name, pubsub.ValidatorEx(validate), pubsub.WithValidatorInline(true)); err != nil {
		return nil, fmt.Errorf("join topic %q: %w", name, err)
	}
	t, err := h.ps.Join(name)
	if err != nil {
		_ = h.ps.UnregisterTopicValidator(name)
		return nil, fmt.Errorf("join topic %q: %w", name, err)
	}
	return &Topic{h: h, name: name, max: maxMsgSize, t: t, subs: map[*pubsub.Subscription]context.CancelFunc{},
		events: map[*pubsub.TopicEventHandler]watcher{}}, nil
}

// Publish sends data to the topic's subscribers, this host's included.
// Data over the topic's size cap is refused with ErrTooLarge. A message is
// known by its payload's hash: the same bytes published again within
// pubsub's seen-messages window (two minutes) are not delivered again.
func (t *Topic) Publish(ctx context.Context, data []byte) error {
	if len(data) > t.max {
		return fmt.Errorf("publish %d bytes on %q, limit %d: %w", len(data), t.name, t.max, ErrTooLarge)
	}
	if err := t.t.Publish(ctx, data); err != nil {
		return fmt.Errorf("publish on %q: %w", t.name, err)
	}
	return nil
}

// Subscribe delivers the topic's messages, this host's own included, on
// the returned channel until ctx ends or the topic is closed; the channel
// is then closed. A slow reader delays later messages of this
// subscription; pubsub drops messages once its own buffer is full.
func (t *Topic) Subscribe(ctx context.Context) (<-chan Message, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, fmt.Errorf("subscribe to %q: topic closed", t.name)
	}
	sub, err := t.t.Subscribe()
	if err != nil {
		return nil, fmt.Errorf("subscribe to %q: %w", t.name, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	t.subs[sub] = cancel
	out := make(chan Message)
	go func() {
		defer close(out)
		defer func() {
			sub.Cancel()
			t.mu.Lock()
			delete(t.subs, sub)
			t.mu.Unlock()
		}()
		for {
			m, err := sub.Next(ctx)
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, pubsub.ErrSubscriptionCancelled) {
					t.h.log.Debug("gossip subscription ended", "topic", t.name, "err", err)
				}
				return
			}
			msg := Message{Data: m.Data, ReceivedFrom: m.ReceivedFrom}
			select {
			case out <- msg:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// watcher is one OnPeerJoin: cancel ends it, done is closed once its
// event handler is cancelled.
type watcher struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// OnPeerJoin calls fn, on one goroutine of its own and in order, for
// every peer this host sees subscribed to the topic: those subscribed
// already when it is called, then each one as its subscription arrives
// (a peer that connects, or one that joins the topic later), until ctx
// ends or the topic is closed. A message published from fn reaches the
// peer: GossipSub floods a host's own messages to every peer of the
// topic, not only to its mesh.
func (t *Topic) OnPeerJoin(ctx context.Context, fn func(peer.ID)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return fmt.Errorf("watch %q: topic closed", t.name)
	}
	h, err := t.t.EventHandler()
	if err != nil {
		return fmt.Errorf("watch %q: %w", t.name, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	w := watcher{cancel: cancel, done: make(chan struct{})}
	t.events[h] = w
	go func() {
		defer func() {
			h.Cancel() // here only: pubsub's Cancel is not safe to call twice at once
			t.mu.Lock()
			delete(t.events, h)
			t.mu.Unlock()
			close(w.done)
		}()
		for {
			ev, err := h.NextPeerEvent(ctx)
			if err != nil {
				return
			}
			if ev.Type == pubsub.PeerJoin {
				fn(ev.Peer)
			}
		}
	}()
	return nil
}

// Close ends the topic's subscriptions and leaves the topic.
func (t *Topic) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	subs := make([]*pubsub.Subscription, 0, len(t.subs))
	for sub, cancel := range t.subs {
		cancel()
		subs = append(subs, sub)
	}
	watchers := make([]watcher, 0, len(t.events))
	for _, w := range t.events {
		w.cancel()
		watchers = append(watchers, w)
	}
	t.mu.Unlock()
	for _, sub := range subs {
		sub.Cancel()
	}
	for _, w := range watchers {
		<-w.done // its handler cancelled: the topic can be left
	}
	err := t.t.Close()
	_ = t.h.ps.UnregisterTopicValidator(t.name)
	if err != nil {
		return fmt.Errorf("leave topic %q: %w", t.name, err)
	}
	return nil
}
