package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// fuzzBody posts body to method pattern on a real handler (a fake backend
// behind it, no rate limit) and checks the decoder's contract: no panic,
// never a 500, a JSON error for every refusal, a top-level field the Go
// type does not have refused (400), and a body over the cap refused (413)
// without being decoded. pad makes the body the cap's size plus one by
// trailing whitespace, which a decoder that read past its cap would take.
func fuzzBody(t *testing.T, method, pattern string, body []byte, pad bool) {
	var rt route
	for _, r := range routes() {
		if r.method == method && r.pattern == pattern {
			rt = r
		}
	}
	if rt.handle == nil {
		t.Fatalf("no route %s %s", method, pattern)
	}
	if pad {
		if int64(len(body)) > rt.maxBody {
			body = body[:rt.maxBody]
		}
		body = append(body, bytes.Repeat([]byte(" "), int(rt.maxBody)+1-len(body))...)
	}
	h := New(&fakeWallet{}, "tok", nil, nil, WithRateLimit(0, 0))
	req := httptest.NewRequest(method, pattern, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	// Of unknown length, as a chunked body is: the cap must hold while
	// reading, not only by Content-Length (the hostile tests cover that).
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code == http.StatusInternalServerError {
		t.Fatalf("500 for %q: %s", body, rec.Body)
	}
	if int64(len(body)) > rt.maxBody {
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("body of %d bytes over the cap of %d: %d %s", len(body), rt.maxBody, rec.Code, rec.Body)
		}
		return
	}
	if rec.Code >= 400 {
		var e Error
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Fatalf("status %d without an api.Error: %s", rec.Code, rec.Body)
		}
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		for k := range top {
			if !hasJSONField(reflect.TypeOf(rt.request), k) && rec.Code != http.StatusBadRequest {
				t.Fatalf("unknown field %q accepted: %d %s", k, rec.Code, rec.Body)
			}
		}
	}
}

// hasJSONField reports whether encoding/json would decode key into a field
// of struct type t (names match case-insensitively, as it matches them).
func hasJSONField(t reflect.Type, key string) bool {
	for _, f := range jsonFields(t) {
		if strings.EqualFold(f.name, key) {
			return true
		}
	}
	return false
}

func fuzzSeeds(f *testing.F, seeds ...string) {
	for _, s := range append(seeds, "", "{}", "null", "[]", `{"a":1}`, "{", `{"x":`, "\x00", strings.Repeat("[", 1000)) {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("{}"), true)
}

func FuzzDecodeJobRequest(f *testing.F) {
	fuzzSeeds(f, `{"apiVersion":"deco/v1","image":"x"}`, "apiVersion: deco/v1\nimage: x\n", `{"apiVersion":"deco/v1","image":"x","resources":{"cpu":"500m","memory":"1Gi"}}`,
		`{"apiVersion":"deco/v1","wasm":{"inline":"AGFzbQEAAAA="}}`, "apiVersion: deco/v1\nimage: x\nimag: y\n")
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "POST", "/v1/jobs", body, pad) })
}

func FuzzDecodePolicy(f *testing.F) {
	fuzzSeeds(f, `{"share":{"cpu":1,"memory":"1Gi"},"prices":{"cpuHour":"0.5","memoryGiBHour":"0.1"}}`, `{"gpuModelPrices":{"A100":"2"}}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "PUT", "/v1/onboarding", body, pad) })
}

func FuzzDecodeDepositRequest(f *testing.F) {
	fuzzSeeds(f, `{"provider":"0xp","amount":"1.5"}`, `{"provider":"0xp","amount":-1}`, `{"amount":1e400}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "POST", "/v1/wallet/deposit", body, pad) })
}

func FuzzDecodeWithdrawRequest(f *testing.F) {
	fuzzSeeds(f, `{"provider":"0xp"}`, `{"provider":"0xp","amount":"0.000000000000000001"}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "POST", "/v1/wallet/withdraw", body, pad) })
}

func FuzzDecodeRedeemRequest(f *testing.F) {
	fuzzSeeds(f, `{"requester":"0xr"}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "POST", "/v1/wallet/redeem", body, pad) })
}

func FuzzDecodeStakeRequest(f *testing.F) {
	fuzzSeeds(f, `{"amount":"3"}`, `{"amount":"99999999999999999999999"}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "POST", "/v1/wallet/stake", body, pad) })
}

func FuzzDecodeOperatorCert(f *testing.F) {
	fuzzSeeds(f, `{"operator":"0x0000000000000000000000000000000000000001","node":"16Uiu2x","issuedAt":"2026-01-01T00:00:00Z","expires":"2027-01-01T00:00:00Z","signature":"AA=="}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "PUT", "/v1/operator/cert", body, pad) })
}

func FuzzDecodeOperatorPolicy(f *testing.F) {
	fuzzSeeds(f, `{"operator":"0x0000000000000000000000000000000000000001","version":1,"pools":[{"name":"a","nodes":[]}],"specs":[{"name":"s","resources":{"cpu":"1","memory":"1Gi"},"pricePerHour":"1"}],"signature":"AA=="}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "POST", "/v1/operator/policies", body, pad) })
}

func FuzzDecodeOperatorBillingRequest(f *testing.F) {
	fuzzSeeds(f, `{"operator":"0x0000000000000000000000000000000000000001","from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z","by":"day","expires":"2027-01-01T00:00:00Z","signature":"AA=="}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "POST", "/v1/operator/billing", body, pad) })
}

func FuzzDecodeServiceRegistration(f *testing.F) {
	fuzzSeeds(f, `{"name":"echo","price":"0.001","endpoint":"http://127.0.0.1:8080"}`, `{"name":"llm","price":"0","unitPrice":"0.0001","maxUnits":512,"job":"abc","port":"http"}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "POST", "/v1/services", body, pad) })
}

// TestFuzzTargetsCoverEveryBody checks each route with a body has a fuzz
// target above (by the pattern it posts to).
func TestFuzzTargetsCoverEveryBody(t *testing.T) {
	fuzzed := map[string]bool{"POST /v1/jobs": true, "PUT /v1/onboarding": true, "POST /v1/wallet/deposit": true,
		"POST /v1/wallet/withdraw": true, "POST /v1/wallet/redeem": true, "POST /v1/wallet/stake": true,
		"PUT /v1/operator/cert": true, "POST /v1/operator/policies": true, "POST /v1/operator/billing": true, "POST /v1/bookings": true,
		"POST /v1/services": true}
	for _, rt := range routes() {
		if rt.maxBody > 0 && !fuzzed[rt.method+" "+rt.pattern] {
			t.Errorf("%s %s takes a body and has no fuzz target", rt.method, rt.pattern)
		}
	}
}

func FuzzDecodeBookingRequest(f *testing.F) {
	fuzzSeeds(f, `{"nodes":2,"resources":{"cpu":"1","memory":"1Gi","gpus":1},"duration":"2h"}`, `{"nodes":1,"duration":"1h","maxPricePerHour":"0.5","constraints":{"region":"eu"}}`,
		`{"nodes":-1,"duration":"-1h"}`, `{"nodes":1e9,"duration":"1h"}`)
	f.Fuzz(func(t *testing.T, body []byte, pad bool) { fuzzBody(t, "POST", "/v1/bookings", body, pad) })
}
