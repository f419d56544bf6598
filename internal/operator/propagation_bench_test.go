package operator_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/operator"
)

// BenchmarkPolicyPropagation: one operator with N nodes (1,000; set
// DECO_BENCH_NODES to change it) on a simulated network (libp2p mocknet,
// each node linked to 8 random others), every node running GossipSub on
// the operator policy topic with the node's validator (operator.DecodePolicy,
// which checks the signature) and a Book. Each iteration the operator
// publishes a new policy listing all N nodes in one pool through one node;
// the figure is the time until 99% of the nodes hold it (p99-ms), and
// until all do (all-ms).
func BenchmarkPolicyPropagation(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("DECO_BENCH_NODES")); err == nil && v > 1 {
		n = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mn := mocknet.New()
	defer mn.Close()
	ids := make([]string, n)
	for i := range n {
		sk, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		h, err := mn.AddPeer(sk, ma.StringCast(fmt.Sprintf("/ip6/100::%x:%x/tcp/4242", i>>16, i&0xffff)))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = h.ID().String()
	}
	peers := mn.Peers()
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i, p := range peers {
		for range 4 { // each links 4 and is linked by ~4: degree ~8
			q := peers[rng.IntN(len(peers))]
			if q == p || len(mn.LinksBetweenPeers(p, q)) > 0 {
				continue
			}
			if _, err := mn.LinkPeers(p, q); err != nil {
				b.Fatal(err)
			}
			if _, err := mn.ConnectPeers(p, q); err != nil {
				b.Fatalf("connect %d: %v", i, err)
			}
		}
	}
	const topicName = "/deco/operator-policies/1"
	var mu sync.Mutex
	var want uint64
	var got []time.Duration
	var published time.Time
	done := make(chan struct{}, 1)
	topics := make([]*pubsub.Topic, n)
	for i, p := range peers {
		ps, err := pubsub.NewGossipSub(ctx, mn.Host(p), pubsub.WithMaxMessageSize(operator.MaxPolicySize))
		if err != nil {
			b.Fatal(err)
		}
		if err := ps.RegisterTopicValidator(topicName, func(_ context.Context, _ peer.ID, m *pubsub.Message) bool {
			_, err := operator.DecodePolicy(m.Data)
			return err == nil
		}); err != nil {
			b.Fatal(err)
		}
		t, err := ps.Join(topicName)
		if err != nil {
			b.Fatal(err)
		}
		topics[i] = t
		sub, err := t.Subscribe()
		if err != nil {
			b.Fatal(err)
		}
		book := operator.NewBook()
		go func() {
			for {
				m, err := sub.Next(ctx)
				if err != nil {
					return
				}
				pol, err := operator.DecodePolicy(m.Data)
				if err != nil || !book.Put(pol) {
					continue
				}
				mu.Lock()
				if pol.Version == want {
					got = append(got, time.Since(published))
					if len(got) == n {
						done <- struct{}{}
					}
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(3 * time.Second) // subscriptions spread, meshes form
	key, err := identity.Generate(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	var p99s, alls []float64
	b.ResetTimer()
	for i := range b.N {
		pol, err := operator.Sign(key, operator.Body{Pools: []operator.Pool{{Name: "farm", Nodes: ids}}}, time.Now().Add(time.Duration(i)*time.Millisecond))
		if err != nil {
			b.Fatal(err)
		}
		data, _ := jsonMarshal(pol)
		mu.Lock()
		want, got, published = pol.Version, got[:0], time.Now()
		mu.Unlock()
		if err := topics[i%n].Publish(ctx, data); err != nil {
			b.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			mu.Lock()
			b.Fatalf("only %d of %d nodes got the policy in 60 s", len(got), n)
		}
		mu.Lock()
		d := slices.Clone(got)
		mu.Unlock()
		slices.Sort(d)
		p99s = append(p99s, ms(d[int(math.Ceil(0.99*float64(n)))-1]))
		alls = append(alls, ms(d[n-1]))
	}
	b.StopTimer()
	b.ReportMetric(median(p99s), "p99-ms")
	b.ReportMetric(median(alls), "all-ms")
	b.ReportMetric(float64(n), "nodes")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func jsonMarshal(p *operator.Policy) ([]byte, error) { return json.Marshal(p) }
