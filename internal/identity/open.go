package identity

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Keystore file names inside a node's keystore directory.
const (
	// KeyFile is the encrypted key (Ethereum v3 keystore).
	KeyFile = "key.json"
	// LegacyPassphraseFile is where deco before issue 15 kept a generated
	// passphrase beside the key. A node that has one still starts with it,
	// warning loudly each time; nothing new is ever written there.
	LegacyPassphraseFile = "passphrase"
	// ThrowawayPassphraseFile holds the passphrase of a dev network's
	// throwaway key, stored beside the key on purpose; its name and its
	// first lines say so.
	ThrowawayPassphraseFile = "THROWAWAY-passphrase"
)

// Errors of OpenOrCreate. Callers add how to give a passphrase.
var (
	// ErrNoPassphrase: the key is sealed (or is to be sealed) with a
	// passphrase, and none was given.
	ErrNoPassphrase = errors.New("no passphrase for the node key")
	// ErrThrowawayKey: the key is a dev network's throwaway key and the
	// caller did not ask for one (a real node never starts on it).
	ErrThrowawayKey = errors.New("the node key is a throwaway dev key")
	// ErrNotThrowaway: the caller asked for a throwaway key and the
	// directory holds a key sealed with a passphrase kept elsewhere.
	ErrNotThrowaway = errors.New("the node key is not a throwaway dev key")
)

// throwawayHeader starts the throwaway passphrase file, so that whoever
// opens it reads what it is.
const throwawayHeader = `# THROWAWAY dev key passphrase, stored beside the key on purpose by a dev
# network (deco devnet, deco node run --dev-throwaway-key). Anyone who can
# read this file holds the key: never keep real funds on it.
`

// Options says how OpenOrCreate unlocks or seals the key.
type Options struct {
	// Passphrase unlocks the key, or seals a new one. It is never written
	// anywhere.
	Passphrase string
	// Throwaway asks for a dev network's throwaway key: a generated
	// passphrase kept beside the key in ThrowawayPassphraseFile.
	// Passphrase must be empty then.
	Throwaway bool
	// ScryptN is the keystore cost of a new key (LightScryptN when zero).
	ScryptN int
	// Logger gets the warnings (throwaway key, passphrase beside the key).
	Logger *slog.Logger
}

// KeyState is what a keystore directory holds, read without unlocking.
type KeyState struct {
	// Exists: the directory has a key.
	Exists bool
	// Throwaway: the key is a throwaway dev key (ThrowawayPassphraseFile
	// is beside it).
	Throwaway bool
	// LegacyPassphrase: an older version left the passphrase beside the
	// key (LegacyPassphraseFile).
	LegacyPassphrase bool
}

// Inspect reports what dir holds.
func Inspect(dir string) (KeyState, error) {
	var st KeyState
	for _, f := range []struct {
		name string
		set  *bool
	}{{KeyFile, &st.Exists}, {ThrowawayPassphraseFile, &st.Throwaway}, {LegacyPassphraseFile, &st.LegacyPassphrase}} {
		_, err := os.Lstat(filepath.Join(dir, f.name))
		switch {
		case err == nil:
			*f.set = true
		case !errors.Is(err, fs.ErrNotExist):
			return st, fmt.Errorf("keystore: %w", err)
		}
	}
	st.Throwaway = st.Throwaway && st.Exists
	return st, nil
}

// LegacyWarning is the warning logged at each start of a node whose
// passphrase an older version stored beside the key in dir: where it is,
// and how to move it out.
func LegacyWarning(dir string) string {
	p := filepath.Join(dir, LegacyPassphraseFile)
	return fmt.Sprintf("the node key's passphrase is stored beside the key in %s, so anyone who can read the data directory holds the key: "+
		"move it out (install -m 600 %s /etc/deco/passphrase && rm %s) and start with --passphrase-file /etc/deco/passphrase, "+
		"or DECO_PASSPHRASE, or systemd's LoadCredential=deco-passphrase:/etc/deco/passphrase", p, p, p)
}

// ReadThrowawayPassphrase reads the passphrase of the throwaway key in dir.
func ReadThrowawayPassphrase(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, ThrowawayPassphraseFile))
	if err != nil {
		return "", fmt.Errorf("throwaway passphrase: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return line, nil
		}
	}
	return "", fmt.Errorf("throwaway passphrase: %s is empty", filepath.Join(dir, ThrowawayPassphraseFile))
}

// ReadLegacyPassphrase reads the passphrase an older version stored beside
// the key in dir.
func ReadLegacyPassphrase(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, LegacyPassphraseFile))
	if err != nil {
		return "", fmt.Errorf("read passphrase: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// OpenOrCreate loads the node key from dir/key.json, creating it on first
// start; created reports whether a new key was made.
//
// A real node's passphrase comes from the caller (o.Passphrase) and is
// never stored. Only a key an older version made with its passphrase
// beside it still opens without one, with LegacyWarning logged each time.
// A throwaway key (o.Throwaway, for dev networks) keeps a generated
// passphrase beside it in ThrowawayPassphraseFile, and each open logs that
// it is one. A real node refuses a throwaway key (ErrThrowawayKey) and a
// throwaway open refuses a real one (ErrNotThrowaway).
func OpenOrCreate(dir string, o Options) (k *Key, created bool, err error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.ScryptN == 0 {
		o.ScryptN = LightScryptN
	}
	if o.Throwaway && o.Passphrase != "" {
		return nil, false, errors.New("keystore: a throwaway key takes no passphrase")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("keystore dir: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("keystore dir: %w", err)
	}
	st, err := Inspect(dir)
	if err != nil {
		return nil, false, err
	}
	pass := o.Passphrase
	switch {
	case o.Throwaway && st.Throwaway:
		if pass, err = ReadThrowawayPassphrase(dir); err != nil {
			return nil, false, err
		}
	case o.Throwaway && st.Exists && st.LegacyPassphrase:
		// A dev network's data directory from an older version: its key
		// was throwaway all along; now the file says so.
		if pass, err = ReadLegacyPassphrase(dir); err != nil {
			return nil, false, err
		}
		if err := writeThrowaway(dir, pass); err != nil {
			return nil, false, err
		}
		if err := os.Remove(filepath.Join(dir, LegacyPassphraseFile)); err != nil {
			return nil, false, fmt.Errorf("keystore: %w", err)
		}
	case o.Throwaway && st.Exists:
		return nil, false, fmt.Errorf("%w: %s is sealed with a passphrase kept elsewhere", ErrNotThrowaway, filepath.Join(dir, KeyFile))
	case o.Throwaway:
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, false, err
		}
		pass = hex.EncodeToString(b)
	case st.Throwaway:
		return nil, false, fmt.Errorf("%w in %s (its passphrase is stored beside it in %s)", ErrThrowawayKey, dir, ThrowawayPassphraseFile)
	case st.Exists && st.LegacyPassphrase && pass == "":
		if pass, err = ReadLegacyPassphrase(dir); err != nil {
			return nil, false, err
		}
		log.Warn("SECURITY: " + LegacyWarning(dir))
	case st.LegacyPassphrase:
		log.Warn("an old passphrase file is still beside the node key; the passphrase given was used: delete the file",
			"file", filepath.Join(dir, LegacyPassphraseFile))
	}
	if pass == "" {
		if st.Exists {
			return nil, false, fmt.Errorf("open %s: %w", filepath.Join(dir, KeyFile), ErrNoPassphrase)
		}
		return nil, false, fmt.Errorf("create the node key: %w", ErrNoPassphrase)
	}
	defer func() {
		if err == nil && o.Throwaway {
			log.Warn("this node's key is a THROWAWAY dev key: its passphrase is stored beside it; never keep real funds on it",
				"file", filepath.Join(dir, ThrowawayPassphraseFile), "address", k.Address().String())
		}
	}()
	keyPath := filepath.Join(dir, KeyFile)
	if st.Exists {
		data, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, false, fmt.Errorf("read key: %w", err)
		}
		k, err := DecryptKey(data, pass)
		if err != nil {
			return nil, false, fmt.Errorf("open %s: %w", keyPath, err)
		}
		if err := os.Chmod(keyPath, 0o600); err != nil {
			return nil, false, fmt.Errorf("keystore: %w", err)
		}
		return k, false, nil
	}
	k, err = Generate(nil)
	if err != nil {
		return nil, false, err
	}
	data, err := EncryptKey(k, pass, o.ScryptN)
	if err != nil {
		return nil, false, err
	}
	if o.Throwaway {
		// The passphrase first: a key without it could never be opened.
		if err := writeThrowaway(dir, pass); err != nil {
			return nil, false, err
		}
	} else {
		// A stale throwaway file must not mark the new key as one.
		if err := os.Remove(filepath.Join(dir, ThrowawayPassphraseFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, false, fmt.Errorf("keystore: %w", err)
		}
	}
	if err := writeFileAtomic(keyPath, data, 0o600); err != nil {
		return nil, false, err
	}
	return k, true, nil
}

func writeThrowaway(dir, pass string) error {
	return writeFileAtomic(filepath.Join(dir, ThrowawayPassphraseFile), []byte(throwawayHeader+pass+"\n"), 0o600)
}
