package identity

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/scrypt"
)

// Scrypt cost parameters. LightScryptN (geth's "light" setting; its
// standard is 1<<18) keeps start-up fast and is what nodes use unless told
// otherwise.
const (
	LightScryptN = 1 << 12
	scryptP      = 1
	scryptR      = 8
	scryptDKLen  = 32
)

// ErrWrongPassphrase is returned when the keystore MAC does not match.
var ErrWrongPassphrase = errors.New("wrong passphrase for keystore")

// keyJSON is the Ethereum v3 keystore format (scrypt, aes-128-ctr), so the
// node's key can be opened by standard Ethereum wallets and tools.
type keyJSON struct {
	Address string     `json:"address"`
	Crypto  cryptoJSON `json:"crypto"`
	ID      string     `json:"id"`
	Version int        `json:"version"`
	PeerID  string     `json:"x-deco-peer-id,omitempty"`
}

type cryptoJSON struct {
	Cipher       string       `json:"cipher"`
	CipherText   string       `json:"ciphertext"`
	CipherParams cipherParams `json:"cipherparams"`
	KDF          string       `json:"kdf"`
	KDFParams    kdfParams    `json:"kdfparams"`
	MAC          string       `json:"mac"`
}

type cipherParams struct {
	IV string `json:"iv"`
}

type kdfParams struct {
	DKLen int    `json:"dklen"`
	N     int    `json:"n"`
	P     int    `json:"p"`
	R     int    `json:"r"`
	Salt  string `json:"salt"`
}

// EncryptKey seals k with passphrase in the v3 keystore format.
func EncryptKey(k *Key, passphrase string, scryptN int) ([]byte, error) {
	salt := make([]byte, 32)
	iv := make([]byte, aes.BlockSize)
	id := make([]byte, 16)
	for _, b := range [][]byte{salt, iv, id} {
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
	}
	dk, err := scrypt.Key([]byte(passphrase), salt, scryptN, scryptR, scryptP, scryptDKLen)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	ct, err := aesCTR(dk[:16], iv, k.Bytes())
	if err != nil {
		return nil, err
	}
	mac := Keccak256(dk[16:32], ct)
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	uuid := fmt.Sprintf("%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:])
	return json.MarshalIndent(keyJSON{
		Address: hex.EncodeToString(k.Address().Bytes()),
		Crypto: cryptoJSON{
			Cipher: "aes-128-ctr", CipherText: hex.EncodeToString(ct),
			CipherParams: cipherParams{IV: hex.EncodeToString(iv)},
			KDF:          "scrypt",
			KDFParams:    kdfParams{DKLen: scryptDKLen, N: scryptN, P: scryptP, R: scryptR, Salt: hex.EncodeToString(salt)},
			MAC:          hex.EncodeToString(mac),
		},
		ID: uuid, Version: 3, PeerID: k.PeerID(),
	}, "", "  ")
}

// DecryptKey opens a v3 keystore (scrypt + aes-128-ctr).
func DecryptKey(data []byte, passphrase string) (*Key, error) {
	var kj keyJSON
	if err := json.Unmarshal(data, &kj); err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	c := kj.Crypto
	if kj.Version != 3 || c.KDF != "scrypt" || c.Cipher != "aes-128-ctr" {
		return nil, fmt.Errorf("keystore: unsupported version %d, kdf %q or cipher %q", kj.Version, c.KDF, c.Cipher)
	}
	salt, err1 := hex.DecodeString(c.KDFParams.Salt)
	iv, err2 := hex.DecodeString(c.CipherParams.IV)
	ct, err3 := hex.DecodeString(c.CipherText)
	mac, err4 := hex.DecodeString(c.MAC)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	p := c.KDFParams
	if p.DKLen != scryptDKLen || p.N <= 1 || p.N > 1<<22 || p.R <= 0 || p.P <= 0 {
		return nil, fmt.Errorf("keystore: unsupported scrypt parameters")
	}
	dk, err := scrypt.Key([]byte(passphrase), salt, p.N, p.R, p.P, p.DKLen)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	if !bytes.Equal(Keccak256(dk[16:32], ct), mac) {
		return nil, ErrWrongPassphrase
	}
	plain, err := aesCTR(dk[:16], iv, ct)
	if err != nil {
		return nil, err
	}
	return FromBytes(plain)
}

func aesCTR(key, iv, in []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(in))
	cipher.NewCTR(block, iv).XORKeyStream(out, in)
	return out, nil
}

// Bytes returns the address's 20 bytes.
func (a Address) Bytes() []byte { return a[:] }

// writeFileAtomic writes via a temporary file and rename so a crash never
// leaves a half-written key.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
