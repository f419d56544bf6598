package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/deco-network/deco/internal/identity"
)

// Where a node key's passphrase comes from, in this order.
const (
	passphraseEnv = "DECO_PASSPHRASE"
	// credentialName is the systemd credential (LoadCredential= or
	// LoadCredentialEncrypted=) holding the passphrase; systemd puts it in
	// $CREDENTIALS_DIRECTORY.
	credentialName = "deco-passphrase"
)

// passphraseOptions is what the refusal without a passphrase lists.
const passphraseOptions = `give the node key's passphrase with one of:
  --passphrase-file FILE   a file only you can read (chmod 600 FILE)
  DECO_PASSPHRASE          in the environment
  systemd credential       LoadCredential=deco-passphrase:FILE (or LoadCredentialEncrypted=) in the unit
  a terminal               run it interactively to be asked
or, for a dev network only, --dev-throwaway-key (its passphrase is stored beside the key)`

// secretSources are the places a passphrase may come from.
type secretSources struct {
	// file is --passphrase-file.
	file string
	// getenv reads DECO_PASSPHRASE and CREDENTIALS_DIRECTORY.
	getenv func(string) string
	// ask prompts on a terminal without echo; nil when there is none.
	ask func(prompt string) (string, error)
}

// osSecretSources reads the real environment, and the terminal when stdin
// is one (prompts go to stderr).
func osSecretSources(file string, stderr io.Writer) secretSources {
	s := secretSources{file: file, getenv: os.Getenv}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		s.ask = func(prompt string) (string, error) {
			fmt.Fprint(stderr, prompt)
			b, err := term.ReadPassword(fd)
			fmt.Fprintln(stderr)
			if err != nil {
				return "", fmt.Errorf("read passphrase: %w", err)
			}
			return strings.TrimSpace(string(b)), nil
		}
	}
	return s
}

// explicit returns the passphrase from the first of --passphrase-file,
// DECO_PASSPHRASE and systemd's credential store that has one ("" when
// none has).
func (s secretSources) explicit() (string, error) {
	if s.file != "" {
		return readSecretFile(s.file, "--passphrase-file", true)
	}
	if p := strings.TrimSpace(s.getenv(passphraseEnv)); p != "" {
		return p, nil
	}
	if dir := s.getenv("CREDENTIALS_DIRECTORY"); dir != "" {
		// systemd makes the file the service's alone; its mode is
		// systemd's business.
		p, err := readSecretFile(filepath.Join(dir, credentialName), "systemd credential", false)
		if !errors.Is(err, fs.ErrNotExist) {
			return p, err
		}
	}
	return "", nil
}

// readSecretFile reads a passphrase file; with private it refuses one that
// its owner's group or others may read or write.
func readSecretFile(path, what string, private bool) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if perm := st.Mode().Perm(); private && perm&0o077 != 0 {
		return "", fmt.Errorf("%s %s is open to other users (mode %04o): chmod 600 %s", what, path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	p := strings.TrimSpace(string(b))
	if p == "" {
		return "", fmt.Errorf("%s %s is empty", what, path)
	}
	return p, nil
}

// forNode finds the passphrase `deco node run` starts with, for the
// keystore in dir. Empty with a nil error means identity.OpenOrCreate
// needs none: a throwaway key, or one an older version stored beside the
// key (which it opens with a loud warning).
func (s secretSources) forNode(dir string, throwaway bool) (string, error) {
	if throwaway {
		if s.file != "" {
			return "", errors.New("--dev-throwaway-key and --passphrase-file: a throwaway key has its passphrase beside it; give one or the other")
		}
		return "", nil
	}
	st, err := identity.Inspect(dir)
	if err != nil {
		return "", err
	}
	if st.Throwaway {
		return "", fmt.Errorf("%s holds a throwaway dev key (its passphrase is stored beside it): "+
			"start a dev network's node with --dev-throwaway-key, and give a real node a new --data-dir", dir)
	}
	p, err := s.explicit()
	if err != nil || p != "" {
		return p, err
	}
	if st.Exists && st.LegacyPassphrase {
		return "", nil
	}
	if s.ask == nil {
		if st.Exists {
			return "", fmt.Errorf("the node key in %s is sealed with a passphrase: %s", dir, passphraseOptions)
		}
		return "", fmt.Errorf("a new node key must be sealed with a passphrase, and none was given: %s", passphraseOptions)
	}
	if st.Exists {
		return s.ask("Passphrase of the node key: ")
	}
	p, err = s.ask("New passphrase for the node key: ")
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", errors.New("the passphrase is empty")
	}
	again, err := s.ask("The same passphrase again: ")
	if err != nil {
		return "", err
	}
	if again != p {
		return "", errors.New("the two passphrases differ")
	}
	return p, nil
}

// forID finds the passphrase that opens the key in dir for `deco id` when
// no node runs; throwaway reports a throwaway dev key.
func (s secretSources) forID(dir string, warn io.Writer) (pass string, throwaway bool, err error) {
	st, err := identity.Inspect(dir)
	if err != nil {
		return "", false, err
	}
	if st.Throwaway {
		p, err := identity.ReadThrowawayPassphrase(dir)
		return p, true, err
	}
	if p, err := s.explicit(); err != nil || p != "" {
		return p, false, err
	}
	if st.LegacyPassphrase {
		fmt.Fprintln(warn, "deco: WARNING:", identity.LegacyWarning(dir))
		p, err := identity.ReadLegacyPassphrase(dir)
		return p, false, err
	}
	if s.ask == nil {
		return "", false, fmt.Errorf("the node key in %s is sealed with a passphrase: %s", dir, passphraseOptions)
	}
	p, err := s.ask("Passphrase of the node key: ")
	return p, false, err
}
