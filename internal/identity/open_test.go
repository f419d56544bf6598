package identity

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
)

// files lists the names in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestRealKeyPassphraseIsNeverStored(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keystore")
	k, created, err := OpenOrCreate(dir, Options{Passphrase: "s3cret phrase"})
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	// Only the sealed key is in the directory, private to its user.
	if got := files(t, dir); !slices.Equal(got, []string{KeyFile}) {
		t.Fatalf("keystore holds %v, want only %s", got, KeyFile)
	}
	for _, p := range []string{dir, filepath.Join(dir, KeyFile)} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm()&0o077 != 0 {
			t.Fatalf("%s: %v mode %v", p, err, st.Mode().Perm())
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	if bytes.Contains(data, []byte("s3cret")) {
		t.Fatal("the passphrase is in the key file")
	}
	// Standard Ethereum tooling opens the same file.
	ek, err := keystore.DecryptKey(data, "s3cret phrase")
	if err != nil {
		t.Fatalf("go-ethereum keystore: %v", err)
	}
	if ek.Address != common.Address(k.Address()) {
		t.Fatal("go-ethereum reads another address")
	}
	k2, created, err := OpenOrCreate(dir, Options{Passphrase: "s3cret phrase"})
	if err != nil || created || k2.PeerID() != k.PeerID() {
		t.Fatalf("reopen: %v %v", created, err)
	}
	if _, _, err := OpenOrCreate(dir, Options{Passphrase: "other"}); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, _, err := OpenOrCreate(dir, Options{}); !errors.Is(err, ErrNoPassphrase) {
		t.Fatalf("no passphrase: %v", err)
	}
	if _, _, err := OpenOrCreate(dir, Options{Throwaway: true}); !errors.Is(err, ErrNotThrowaway) {
		t.Fatalf("a real key opened as a throwaway one: %v", err)
	}
	if st, _ := Inspect(dir); st != (KeyState{Exists: true}) {
		t.Fatalf("inspect: %+v", st)
	}
}

func TestFirstStartWithoutPassphraseMakesNoKey(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := OpenOrCreate(dir, Options{}); !errors.Is(err, ErrNoPassphrase) {
		t.Fatalf("want ErrNoPassphrase, got %v", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("left %v behind", got)
	}
}

func TestThrowawayKeyIsMarkedAndStaysThrowaway(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	k, created, err := OpenOrCreate(dir, Options{Throwaway: true, Logger: log})
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if got := files(t, dir); !slices.Equal(got, []string{ThrowawayPassphraseFile, KeyFile}) {
		t.Fatalf("keystore holds %v", got)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, ThrowawayPassphraseFile))
	if !strings.HasPrefix(string(raw), "# THROWAWAY dev key") {
		t.Fatalf("throwaway file does not say what it is:\n%s", raw)
	}
	if st, _ := os.Stat(filepath.Join(dir, ThrowawayPassphraseFile)); st.Mode().Perm() != 0o600 {
		t.Fatalf("throwaway file mode %v", st.Mode().Perm())
	}
	if !strings.Contains(logs.String(), "THROWAWAY dev key") {
		t.Fatalf("no throwaway warning in the log:\n%s", logs.String())
	}
	pass, err := ReadThrowawayPassphrase(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	if _, err := keystore.DecryptKey(data, pass); err != nil {
		t.Fatalf("go-ethereum keystore: %v", err)
	}
	k2, created, err := OpenOrCreate(dir, Options{Throwaway: true})
	if err != nil || created || k2.PeerID() != k.PeerID() {
		t.Fatalf("reopen: %v %v", created, err)
	}
	// A real node never starts on a throwaway key, with or without a
	// passphrase of its own.
	for _, p := range []string{"", pass} {
		if _, _, err := OpenOrCreate(dir, Options{Passphrase: p}); !errors.Is(err, ErrThrowawayKey) {
			t.Fatalf("real open of a throwaway key (passphrase %q): %v", p, err)
		}
	}
	if _, _, err := OpenOrCreate(dir, Options{Throwaway: true, Passphrase: "x"}); err == nil {
		t.Fatal("a throwaway key took a passphrase")
	}
	if st, _ := Inspect(dir); st != (KeyState{Exists: true, Throwaway: true}) {
		t.Fatalf("inspect: %+v", st)
	}
}

// legacyDir makes a keystore as versions before issue 15 left it: a key
// with its generated passphrase beside it.
func legacyDir(t *testing.T) (dir, pass string, k *Key) {
	t.Helper()
	dir = t.TempDir()
	k, err := Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	pass = hex.EncodeToString([]byte("legacy-passphrase-24byte"))
	data, err := EncryptKey(k, pass, LightScryptN)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, LegacyPassphraseFile), []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, pass, k
}

func TestLegacyPassphraseKeepsStartingWithALoudWarning(t *testing.T) {
	dir, pass, k := legacyDir(t)
	for round := 0; round < 2; round++ {
		var logs bytes.Buffer
		got, created, err := OpenOrCreate(dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil || created || got.PeerID() != k.PeerID() {
			t.Fatalf("round %d: %v %v", round, created, err)
		}
		out := logs.String()
		if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "SECURITY") ||
			!strings.Contains(out, "--passphrase-file") || !strings.Contains(out, filepath.Join(dir, LegacyPassphraseFile)) {
			t.Fatalf("round %d: no loud warning saying how to move the passphrase out:\n%s", round, out)
		}
		if strings.Contains(out, pass) {
			t.Fatalf("the warning logs the passphrase:\n%s", out)
		}
	}
	// Given the passphrase (moved out), the node warns that the old file
	// is still there.
	var logs bytes.Buffer
	if _, _, err := OpenOrCreate(dir, Options{Passphrase: pass, Logger: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "delete the file") {
		t.Fatalf("no warning about the leftover file:\n%s", logs.String())
	}
}

func TestLegacyDevnetKeyBecomesThrowaway(t *testing.T) {
	dir, _, k := legacyDir(t)
	got, _, err := OpenOrCreate(dir, Options{Throwaway: true})
	if err != nil || got.PeerID() != k.PeerID() {
		t.Fatalf("throwaway open of a legacy key: %v", err)
	}
	if st, _ := Inspect(dir); st != (KeyState{Exists: true, Throwaway: true}) {
		t.Fatalf("inspect: %+v", st)
	}
}

func TestKeyNeverPrintsItsSecret(t *testing.T) {
	k, err := Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("key", "k", k)
	secret := hex.EncodeToString(k.Bytes())
	for _, out := range []string{logs.String(), fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(strings.ToLower(out), secret) {
			t.Fatalf("private key printed: %s", out)
		}
		if !strings.Contains(out, k.Address().String()) {
			t.Fatalf("key does not print as its address: %s", out)
		}
	}
}
