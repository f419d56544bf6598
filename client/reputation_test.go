package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/deco-network/deco/internal/api"
)

func TestReputation(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RequestURI())
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(api.Reputation{Node: "n", Score: 0.25, Known: true, Count: 2})
	}))
	defer srv.Close()
	c := New(srv.URL, "tok")
	v, err := c.Reputation(context.Background(), "16Uiu2node", 5)
	if err != nil || v.Score != 0.25 || !v.Known || v.Count != 2 {
		t.Fatalf("reputation %+v, %v", v, err)
	}
	if _, err := c.Reputation(context.Background(), "a/b", -1); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "/v1/reputation/16Uiu2node?limit=5" || got[1] != "/v1/reputation/a%2Fb" {
		t.Fatalf("requested %v", got)
	}
}
