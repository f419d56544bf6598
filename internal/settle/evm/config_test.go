package evm

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

func TestConfigFile(t *testing.T) {
	want := Config{
		RPCURL: "http://127.0.0.1:8545", ChainID: 1337,
		Escrow: common.Address{1, 2}, Token: common.Address{3, 4},
		Confirmations: 2, PollInterval: 50 * time.Millisecond, Retries: 3,
	}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "chain.json")
	if err := os.WriteFile(good, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(good)
	if err != nil || got != want {
		t.Fatalf("LoadConfig = %+v, %v; want %+v (file %s)", got, err, want, b)
	}

	tests := []struct {
		name, body string
		want       error
	}{
		{name: "unknown field", body: `{"rpcURL":"http://x","chainID":1,"escrow":"0x0100000000000000000000000000000000000000","token":"0x0300000000000000000000000000000000000000","extra":1}`},
		{name: "bad address", body: `{"rpcURL":"http://x","chainID":1,"escrow":"0x01","token":"0x0300000000000000000000000000000000000000"}`},
		{name: "bad duration", body: `{"rpcURL":"http://x","chainID":1,"escrow":"0x0100000000000000000000000000000000000000","token":"0x0300000000000000000000000000000000000000","pollInterval":"soon"}`},
		{name: "no chain id", body: `{"rpcURL":"http://x","escrow":"0x0100000000000000000000000000000000000000","token":"0x0300000000000000000000000000000000000000"}`, want: ErrConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadConfig(p)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("LoadConfig = %v, want an error (%v)", err, tc.want)
			}
		})
	}
	if _, err := LoadConfig(filepath.Join(dir, "absent.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("absent file: %v, want ErrNotExist", err)
	}
}
