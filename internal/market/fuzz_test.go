package market

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
)

// Fuzz targets for every peer message as a node decodes it off a stream:
// the frame (p2p.ReadMsg with the protocol's cap), then the checks the
// receiving side runs (signatures, terms, sequence). Whatever the input,
// nothing panics, no frame above the cap and no unknown field is
// accepted, and what is accepted re-encodes to a frame that decodes the
// same.

var fuzzNow = time.Unix(1_800_000_000, 0)

// fuzzParties are a provider and a requester with a quote signed between
// them and its deal.
type fuzzParties struct {
	prov, req *identity.Key
	quote     Quote
	deal      Deal
}

func newFuzzParties(f *testing.F) fuzzParties {
	prov, err := identity.Generate(nil)
	if err != nil {
		f.Fatal(err)
	}
	req, err := identity.Generate(nil)
	if err != nil {
		f.Fatal(err)
	}
	q := Quote{JobID: "j1", SpecDigest: "sha256:" + strings.Repeat("ab", 32), ExecutionID: "x1",
		Requester: req.PeerID(), RequesterAddress: req.Address(),
		Terms:    Terms{PerHour: money.Unit, MaxAmount: 2 * money.Unit},
		Deadline: fuzzNow.Add(30 * time.Second), Verification: "none"}
	if err := q.SignAsProvider(prov); err != nil {
		f.Fatal(err)
	}
	d, err := Accept(q, req)
	if err != nil {
		f.Fatal(err)
	}
	return fuzzParties{prov: prov, req: req, quote: q, deal: d}
}

// frameOf is v as one frame, as WriteMsg writes it.
func frameOf(f *testing.F, v any) []byte {
	var buf bytes.Buffer
	if err := p2p.WriteMsg(&buf, v); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// rawFrame is body behind a length prefix of len(body).
func rawFrame(body string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// addSeeds adds the usual hostile shapes beside the valid frames.
func addSeeds(f *testing.F, valid ...[]byte) {
	for _, v := range valid {
		f.Add(v)
		f.Add(v[:len(v)/2])                // truncated
		f.Add(append(bytes.Clone(v), '}')) // trailing byte past the frame
		tampered := bytes.Clone(v)         // one byte flipped inside the body
		tampered[4+(len(v)-4)/2] ^= 0x01
		f.Add(tampered)
	}
	f.Add(rawFrame(`{"bogus":1}`))
	f.Add(rawFrame(`{}{}`))
	f.Add(rawFrame(`null`))
	f.Add(rawFrame(``))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, '{'})
	f.Add([]byte{0, 0})
}

// decodeChecked decodes data as a frame of at most max bytes into a new
// T; it fails the test when the decoder accepted what it must refuse, and
// reports whether the frame was accepted.
func decodeChecked[T any](t *testing.T, data []byte, max int) (*T, bool) {
	v := new(T)
	if err := p2p.ReadMsg(bytes.NewReader(data), v, max); err != nil {
		return nil, false
	}
	n := binary.BigEndian.Uint32(data)
	if uint64(n) > uint64(max) {
		t.Fatalf("accepted a %d-byte frame, cap %d", n, max)
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(data[4:4+n], &top) == nil {
		for k := range top {
			if !knownField(reflect.TypeFor[T](), k) {
				t.Fatalf("accepted unknown field %q", k)
			}
		}
	}
	// What was accepted re-encodes and decodes to the same encoding.
	again := new(T)
	var buf bytes.Buffer
	if err := p2p.WriteMsg(&buf, v); err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	if err := p2p.ReadMsg(bytes.NewReader(buf.Bytes()), again, buf.Len()); err != nil {
		t.Fatalf("re-decode: %v", err)
	}
	b1, _ := json.Marshal(v)
	b2, _ := json.Marshal(again)
	if !bytes.Equal(b1, b2) {
		t.Fatalf("round trip changed the message:\n%s\n%s", b1, b2)
	}
	return v, true
}

// knownField reports whether key names a field of struct type typ as
// encoding/json matches it (case-insensitively).
func knownField(typ reflect.Type, key string) bool {
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) {
			return true
		}
	}
	return false
}

// FuzzQuoteReply: a requester reading a provider's answer on /deco/quote/1
// and checking the quote's signature and deadline.
func FuzzQuoteReply(f *testing.F) {
	fp := newFuzzParties(f)
	addSeeds(f, frameOf(f, QuoteReply{Quote: &fp.quote}), frameOf(f, QuoteReply{Error: "busy"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, ok := decodeChecked[QuoteReply](t, data, MaxTaskEvent)
		if !ok || r.Quote == nil {
			return
		}
		q := *r.Quote
		if err := q.VerifyProvider(fuzzNow); err == nil {
			// Only the provider's key can have signed it.
			h, err := q.Hash()
			if err != nil {
				t.Fatalf("verified a quote without a hash: %v", err)
			}
			pub, err := identity.Recover(h, q.ProviderSignature)
			if err != nil || pub.Address() != q.ProviderAddress || pub.PeerID() != q.Provider {
				t.Fatalf("verified a quote its provider did not sign")
			}
			if q.Provider == fp.prov.PeerID() && (q.Terms != fp.quote.Terms || q.JobID != fp.quote.JobID) {
				t.Fatalf("verified a quote with terms the provider never signed: %+v", q)
			}
		}
	})
}

// FuzzTaskRequest: a provider reading /deco/task/1's request and checking
// its deal's two signatures and its result grants.
func FuzzTaskRequest(f *testing.F) {
	fp := newFuzzParties(f)
	g, err := SignResultGrant(fp.req, "prev", "x0", fp.prov.PeerID())
	if err != nil {
		f.Fatal(err)
	}
	addSeeds(f, frameOf(f, TaskRequest{JobID: "j1", ExecutionID: "x1", SpecDigest: fp.quote.SpecDigest, Deal: &fp.deal, Grants: []ResultGrant{g}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, ok := decodeChecked[TaskRequest](t, data, MaxTaskRequest)
		if !ok {
			return
		}
		for _, g := range r.Grants {
			_, _ = g.Signer()
		}
		_ = r.Spec.Validate()
		if r.Deal == nil || r.Deal.Verify(fuzzNow) != nil {
			return
		}
		q := r.Deal.Quote
		if q.Provider == fp.prov.PeerID() && q.Requester == fp.req.PeerID() &&
			(q.Terms != fp.quote.Terms || q.SpecDigest != fp.quote.SpecDigest || q.TaskIndex != fp.quote.TaskIndex || q.Deadline.Unix() != fp.quote.Deadline.Unix()) {
			t.Fatalf("verified a deal neither party signed: %+v", q)
		}
	})
}

// FuzzTaskEvent: a requester reading a provider's events on /deco/task/1
// or /deco/attach/1 and checking a usage report against its deal.
func FuzzTaskEvent(f *testing.F) {
	fp := newFuzzParties(f)
	u, err := NewUsageReport(fp.prov, &fp.deal, 1, 10*time.Second, false)
	if err != nil {
		f.Fatal(err)
	}
	addSeeds(f, frameOf(f, TaskEvent{Type: EventUsage, At: fuzzNow, Usage: &u}),
		frameOf(f, TaskEvent{Type: EventLog, At: fuzzNow, Log: []byte("hello\n")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, ok := decodeChecked[TaskEvent](t, data, MaxTaskEvent)
		if !ok || ev.Usage == nil {
			return
		}
		c := UsageCheck{Deal: &fp.deal, LastSeq: 0, Elapsed: time.Minute, Slack: 10 * time.Second}
		if err := CheckUsage(*ev.Usage, c); err != nil {
			return
		}
		got := ev.Usage
		addr, err := identity.RecoverAddress(got.Hash(), got.Signature)
		switch {
		case err != nil || addr != fp.prov.Address():
			t.Fatalf("accepted a usage report the deal's provider did not sign")
		case got.AmountDue > fp.quote.Terms.MaxAmount || got.AmountDue != AmountDue(fp.quote.Terms, got.RunMillis):
			t.Fatalf("accepted %s for %d ms under %+v", got.AmountDue, got.RunMillis, fp.quote.Terms)
		case got.Execution != fp.quote.ExecutionID:
			t.Fatalf("accepted a report for execution %q on the deal of %q", got.Execution, fp.quote.ExecutionID)
		}
	})
}

// FuzzPayment: a provider reading a requester's voucher on a task stream.
func FuzzPayment(f *testing.F) {
	addSeeds(f, rawFrame(`{"execution":"x1","seq":1,"voucher":{"requester":"0x0000000000000000000000000000000000000001","provider":"0x0000000000000000000000000000000000000002","cumulative":"1","signature":"AAAA"}}`),
		frameOf(f, Payment{Execution: "x1", Seq: 2}))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ok := decodeChecked[Payment](t, data, MaxPayment)
		if ok && len(p.Voucher.Signature) > MaxPayment {
			t.Fatalf("accepted a %d-byte signature in a %d-byte frame", len(p.Voucher.Signature), MaxPayment)
		}
	})
}

// FuzzResultRequest: a provider reading /deco/result/1's request and
// recovering its grant's signer.
func FuzzResultRequest(f *testing.F) {
	fp := newFuzzParties(f)
	g, err := SignResultGrant(fp.req, "prev", "x0", fp.prov.PeerID())
	if err != nil {
		f.Fatal(err)
	}
	addSeeds(f, frameOf(f, ResultRequest{ExecutionID: "x0", Grant: &g}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, ok := decodeChecked[ResultRequest](t, data, MaxResultRequest)
		if !ok || r.Grant == nil {
			return
		}
		signer, err := r.Grant.Signer()
		if err == nil && signer == fp.req.PeerID() && (r.Grant.Execution != g.Execution || r.Grant.Grantee != g.Grantee) {
			t.Fatalf("grant for %s to %s recovers to the requester, who signed only %s to %s",
				r.Grant.Execution, r.Grant.Grantee, g.Execution, g.Grantee)
		}
	})
}

// FuzzSmallRequests: the one-message requests of /deco/cancel/1,
// /deco/attach/1 and /deco/offer/1.
func FuzzSmallRequests(f *testing.F) {
	addSeeds(f, frameOf(f, CancelRequest{ExecutionID: "x1"}), frameOf(f, AttachRequest{ExecutionID: "x1", LogOffset: 7}), rawFrame(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeChecked[CancelRequest](t, data, MaxSmallMsg)
		decodeChecked[AttachRequest](t, data, MaxSmallMsg)
		decodeChecked[struct{}](t, data, MaxSmallMsg)
		decodeChecked[CancelReply](t, data, MaxSmallMsg)
		decodeChecked[ResultHeader](t, data, MaxSmallMsg)
	})
}
