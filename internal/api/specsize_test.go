package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/job"
)

// TestSubmitTooLarge checks a spec over job.MaxSpecSize is answered 413 with
// job.ErrSpecTooLarge's message, not as an ordinary invalid spec (400).
func TestSubmitTooLarge(t *testing.T) {
	body := append([]byte("apiVersion: deco/v1\nname: "), bytes.Repeat([]byte("x"), job.MaxSpecSize)...)
	rec := serve(New(&fakeBackend{}, "tok", nil, nil), "POST", "/v1/jobs", string(body))
	var e Error
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %s: %v", rec.Body, err)
	}
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error, job.ErrSpecTooLarge.Error()) {
		t.Fatalf("got %d %q, want 413 saying %q", rec.Code, e.Error, job.ErrSpecTooLarge)
	}
}
