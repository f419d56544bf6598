package reputation

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/verify"
)

func newKey(t testing.TB) *identity.Key {
	t.Helper()
	k, err := identity.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var t0 = time.Unix(1_800_000_000, 0).UTC()

func TestSignVerify(t *testing.T) {
	attester, subject := newKey(t), newKey(t)
	claim := Claim{Kind: KindLost, Subject: subject.PeerID(), JobID: "job1", ExecutionID: "exec1"}
	a, err := Sign(claim, attester, t0.Add(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !a.IssuedAt.Equal(t0) || a.Attester != attester.PeerID() || a.AttesterAddress != attester.Address() {
		t.Fatalf("signed %+v", a)
	}
	if err := a.Verify(t0); err != nil {
		t.Fatalf("verify: %v", err)
	}
	body, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(body)
	if err != nil || back.Verify(t0) != nil || back.ID() != a.ID() {
		t.Fatalf("round trip: %+v %v", back, err)
	}

	other := newKey(t)
	disputed := Claim{Kind: KindDisputeLost, Subject: subject.PeerID(), JobID: "job1", ExecutionID: "exec1",
		DisputeID: verify.DisputeID("job1", subject.Address())}
	if d, err := Sign(disputed, attester, t0); err != nil || d.Verify(t0) != nil {
		t.Fatalf("dispute-lost with its job's dispute ID: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Attestation)
		want   error
	}{
		{"kind changed", func(a *Attestation) { a.Kind = KindVerified }, ErrForged},
		{"subject changed", func(a *Attestation) { a.Subject = other.PeerID() }, ErrForged},
		{"job changed", func(a *Attestation) { a.JobID = "job2" }, ErrForged},
		{"execution changed", func(a *Attestation) { a.ExecutionID = "exec2" }, ErrForged},
		{"issued changed", func(a *Attestation) { a.IssuedAt = a.IssuedAt.Add(-time.Second) }, ErrForged},
		{"attester peer ID of another key", func(a *Attestation) { a.Attester = other.PeerID() }, ErrForged},
		{"attester address of another key", func(a *Attestation) { a.AttesterAddress = other.Address() }, ErrForged},
		{"signature truncated", func(a *Attestation) { a.Signature = a.Signature[:64] }, ErrForged},
		{"no signature", func(a *Attestation) { a.Signature = nil }, ErrForged},
		{"unknown kind", func(a *Attestation) { a.Kind = "slashed" }, ErrMalformed},
		{"no job", func(a *Attestation) { a.JobID = "" }, ErrMalformed},
		{"no execution", func(a *Attestation) { a.ExecutionID = "" }, ErrMalformed},
		{"long execution", func(a *Attestation) { a.ExecutionID = strings.Repeat("e", MaxIDLen+1) }, ErrMalformed},
		{"subject not a peer ID", func(a *Attestation) { a.Subject = "somebody" }, ErrMalformed},
		{"about itself", func(a *Attestation) { a.Subject = a.Attester }, ErrSelf},
		{"sub-second issued", func(a *Attestation) { a.IssuedAt = a.IssuedAt.Add(time.Millisecond) }, ErrMalformed},
		{"issued before 1970", func(a *Attestation) { a.IssuedAt = time.Unix(-5, 0) }, ErrMalformed},
		{"dispute ID on a lost claim", func(a *Attestation) { a.DisputeID = [32]byte{1} }, ErrMalformed},
		{"dispute-lost without dispute ID", func(a *Attestation) { a.Kind = KindDisputeLost }, ErrMalformed},
		{"dispute-lost citing another subject's dispute", func(a *Attestation) {
			a.Kind, a.DisputeID = KindDisputeLost, verify.DisputeID("job1", other.Address())
		}, ErrMalformed},
		{"dispute-lost citing another job's dispute", func(a *Attestation) {
			a.Kind, a.DisputeID = KindDisputeLost, verify.DisputeID("job2", subject.Address())
		}, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := a
			b.Signature = bytes.Clone(a.Signature)
			tc.change(&b)
			if err := b.Verify(t0); !errors.Is(err, tc.want) {
				t.Fatalf("verify: %v, want %v", err, tc.want)
			}
		})
	}
	if err := a.Verify(t0.Add(-MaxSkew)); err != nil {
		t.Fatalf("issued MaxSkew ahead: %v", err)
	}
	if err := a.Verify(t0.Add(-MaxSkew - time.Second)); !errors.Is(err, ErrFuture) {
		t.Fatalf("issued beyond MaxSkew ahead: %v", err)
	}
	if _, err := Sign(Claim{Kind: KindLost, Subject: attester.PeerID(), JobID: "j", ExecutionID: "e"}, attester, t0); !errors.Is(err, ErrSelf) {
		t.Fatalf("sign about oneself: %v", err)
	}
}

func TestDecodeIsStrict(t *testing.T) {
	a, err := Sign(Claim{Kind: KindVerified, Subject: newKey(t).PeerID(), JobID: "j", ExecutionID: "e"}, newKey(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := a.Encode()
	tests := []struct {
		name string
		in   []byte
	}{
		{"unknown field", bytes.Replace(good, []byte(`{`), []byte(`{"weight":9,`), 1)},
		{"trailing data", append(bytes.Clone(good), []byte(`{}`)...)},
		{"truncated", good[:len(good)/2]},
		{"not an object", []byte(`[1,2]`)},
		{"over MaxSize", []byte(`{"jobId":"` + strings.Repeat("j", MaxSize) + `"}`)},
		{"empty", nil},
	}
	for _, tc := range tests {
		if _, err := Decode(tc.in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", tc.name, err)
		}
	}
	if _, err := Decode(good); err != nil {
		t.Fatal(err)
	}
}

func TestDisputeIDIsHex(t *testing.T) {
	subject := newKey(t)
	c := Claim{Kind: KindDisputeLost, Subject: subject.PeerID(), JobID: "j", ExecutionID: "e", DisputeID: verify.DisputeID("j", subject.Address())}
	a, err := Sign(c, newKey(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := a.Encode()
	want := `"disputeId":"0x` + hex.EncodeToString(c.DisputeID[:]) + `"`
	if !bytes.Contains(body, []byte(want)) {
		t.Fatalf("encoded %s, want %s", body, want)
	}
	if back, err := Decode(body); err != nil || back.DisputeID != c.DisputeID {
		t.Fatalf("decoded %x, %v", back.DisputeID, err)
	}
	lost, _ := Sign(Claim{Kind: KindLost, Subject: subject.PeerID(), JobID: "j", ExecutionID: "e"}, newKey(t), t0)
	if body, _ := lost.Encode(); bytes.Contains(body, []byte("disputeId")) {
		t.Fatalf("a lost attestation carries a dispute ID: %s", body)
	}
	for _, bad := range []string{`"0x12"`, `"` + strings.Repeat("a", 64) + `"`, `"0x` + strings.Repeat("g", 64) + `"`, `"0x` + strings.Repeat("a", 66) + `"`, `[1,2]`} {
		in := bytes.Replace(body, []byte(`"attester"`), []byte(`"disputeId":`+bad+`,"attester"`), 1)
		if _, err := Decode(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("dispute ID %s: %v", bad, err)
		}
	}
}
