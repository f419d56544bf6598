package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/identity"
)

// writeSecret writes a passphrase file with mode perm.
func writeSecret(t *testing.T, dir, name, pass string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(pass+"\n"), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
	return p
}

// answers is a terminal that answers prompts in turn and records them.
type answers struct {
	replies []string
	asked   []string
}

func (a *answers) ask(prompt string) (string, error) {
	a.asked = append(a.asked, prompt)
	if len(a.replies) == 0 {
		return "", errors.New("no more answers")
	}
	r := a.replies[0]
	a.replies = a.replies[1:]
	return r, nil
}

func TestNodePassphraseSources(t *testing.T) {
	secrets := t.TempDir()
	good := writeSecret(t, secrets, "good", "from-file", 0o600)
	open := writeSecret(t, secrets, "open", "from-open-file", 0o644)
	group := writeSecret(t, secrets, "group", "from-group-file", 0o640)
	empty := writeSecret(t, secrets, "empty", "", 0o600)
	creds := t.TempDir()
	writeSecret(t, creds, credentialName, "from-systemd", 0o400)

	// Keystores in each state a node can find.
	fresh := filepath.Join(t.TempDir(), "keystore")
	sealed := t.TempDir()
	if _, _, err := identity.OpenOrCreate(sealed, identity.Options{Passphrase: "from-file"}); err != nil {
		t.Fatal(err)
	}
	throwaway := t.TempDir()
	if _, _, err := identity.OpenOrCreate(throwaway, identity.Options{Throwaway: true}); err != nil {
		t.Fatal(err)
	}
	legacy := t.TempDir()
	if _, _, err := identity.OpenOrCreate(legacy, identity.Options{Passphrase: "old"}); err != nil {
		t.Fatal(err)
	}
	writeSecret(t, legacy, identity.LegacyPassphraseFile, "old", 0o600)

	for _, tc := range []struct {
		name      string
		dir       string
		file      string
		env       map[string]string
		replies   []string // nil: no terminal
		throwaway bool
		want      string
		wantErr   []string
		wantAsked int
	}{
		{name: "file", dir: fresh, file: good, want: "from-file"},
		{name: "file before env and systemd", dir: fresh, file: good,
			env: map[string]string{passphraseEnv: "from-env", "CREDENTIALS_DIRECTORY": creds}, want: "from-file"},
		{name: "world-readable file refused", dir: fresh, file: open, wantErr: []string{"chmod 600 " + open, "0644"}},
		{name: "group-readable file refused", dir: fresh, file: group, wantErr: []string{"chmod 600 " + group}},
		{name: "empty file refused", dir: fresh, file: empty, wantErr: []string{"empty"}},
		{name: "missing file", dir: fresh, file: filepath.Join(secrets, "nope"), wantErr: []string{"no such file"}},
		{name: "env before systemd", dir: fresh, env: map[string]string{passphraseEnv: "from-env", "CREDENTIALS_DIRECTORY": creds}, want: "from-env"},
		{name: "systemd credential", dir: fresh, env: map[string]string{"CREDENTIALS_DIRECTORY": creds}, want: "from-systemd"},
		{name: "systemd without the credential falls through", dir: fresh, env: map[string]string{"CREDENTIALS_DIRECTORY": secrets},
			wantErr: []string{"none was given"}},
		{name: "nothing on first start", dir: fresh,
			wantErr: []string{"none was given", "--passphrase-file", "chmod 600", "DECO_PASSPHRASE", "LoadCredential=deco-passphrase", "terminal", "--dev-throwaway-key"}},
		{name: "nothing for a sealed key", dir: sealed, wantErr: []string{"sealed with a passphrase", "--passphrase-file"}},
		{name: "first start asks twice", dir: fresh, replies: []string{"typed", "typed"}, want: "typed", wantAsked: 2},
		{name: "first start answers differ", dir: fresh, replies: []string{"typed", "typo"}, wantErr: []string{"differ"}, wantAsked: 2},
		{name: "first start empty answer", dir: fresh, replies: []string{""}, wantErr: []string{"empty"}, wantAsked: 1},
		{name: "sealed key asks once", dir: sealed, replies: []string{"typed"}, want: "typed", wantAsked: 1},
		{name: "env before the terminal", dir: fresh, env: map[string]string{passphraseEnv: "from-env"}, replies: []string{"x", "x"}, want: "from-env"},
		{name: "legacy key opens without asking", dir: legacy, replies: []string{"x"}, want: ""},
		{name: "throwaway key refused for a real node", dir: throwaway, file: good, wantErr: []string{"throwaway dev key", "--dev-throwaway-key"}},
		{name: "throwaway asks nothing", dir: fresh, throwaway: true, env: map[string]string{passphraseEnv: "from-env"}, replies: []string{"x"}, want: ""},
		{name: "throwaway with a file", dir: fresh, throwaway: true, file: good, wantErr: []string{"--dev-throwaway-key and --passphrase-file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := secretSources{file: tc.file, getenv: func(k string) string { return tc.env[k] }}
			a := &answers{replies: tc.replies}
			if tc.replies != nil {
				s.ask = a.ask
			}
			got, err := s.forNode(tc.dir, tc.throwaway)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("want an error, got passphrase %q", got)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Fatalf("error %q does not say %q", err, w)
					}
				}
			} else if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if len(a.asked) != tc.wantAsked {
				t.Fatalf("asked %d times (%q), want %d", len(a.asked), a.asked, tc.wantAsked)
			}
		})
	}
}

func TestIDPassphraseSources(t *testing.T) {
	throwaway := t.TempDir()
	if _, _, err := identity.OpenOrCreate(throwaway, identity.Options{Throwaway: true}); err != nil {
		t.Fatal(err)
	}
	s := secretSources{getenv: func(string) string { return "" }}
	pass, tw, err := s.forID(throwaway, io.Discard)
	if err != nil || !tw || pass == "" {
		t.Fatalf("throwaway: %q %v %v", pass, tw, err)
	}
	sealed := t.TempDir()
	if _, _, err := identity.OpenOrCreate(sealed, identity.Options{Passphrase: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.forID(sealed, io.Discard); err == nil || !strings.Contains(err.Error(), "--passphrase-file") {
		t.Fatalf("sealed key without a passphrase: %v", err)
	}
	var warn strings.Builder
	writeSecret(t, sealed, identity.LegacyPassphraseFile, "p", 0o600)
	if pass, tw, err := s.forID(sealed, &warn); err != nil || tw || pass != "p" {
		t.Fatalf("legacy: %q %v %v", pass, tw, err)
	}
	if !strings.Contains(warn.String(), "--passphrase-file") {
		t.Fatalf("no warning for the legacy passphrase: %q", warn.String())
	}
}
