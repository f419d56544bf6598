package job

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// IDLen is the length of an ID made by NewID.
const IDLen = 26

// idAlphabet is Crockford's base32 in lower case; its characters sort in
// the same order as the 5-bit values they encode.
const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// ErrInvalidID is returned for a string that is not an ID made by NewID.
var ErrInvalidID = errors.New("invalid id")

// NewID returns a new job or execution ID made from the current time and
// crypto/rand. See NewIDAt.
func NewID() string {
	id, err := NewIDAt(time.Now(), rand.Reader)
	if err != nil {
		// crypto/rand.Reader does not fail, and the current time is in range.
		panic(fmt.Sprintf("job: new id: %v", err))
	}
	return id
}

// NewIDAt returns an ID for time t with 80 random bits read from r: 26
// characters of lower-case Crockford base32 over a 48-bit big-endian
// millisecond Unix timestamp and the random bits (the ULID layout). IDs
// sort as strings in the order of their times; IDs made in the same
// millisecond sort randomly.
func NewIDAt(t time.Time, r io.Reader) (string, error) {
	ms := t.UnixMilli()
	if ms < 0 || ms >= 1<<48 {
		return "", fmt.Errorf("new id: time %v out of range", t)
	}
	var b [16]byte
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	if _, err := io.ReadFull(r, b[6:]); err != nil {
		return "", fmt.Errorf("new id: read random bits: %w", err)
	}
	// 128 bits into 26 characters of 5 bits: the first character carries
	// the top 3 bits, so the first 10 characters are the timestamp.
	var out [IDLen]byte
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 |
		uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	for i := IDLen - 1; i >= 0; i-- {
		out[i] = idAlphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:]), nil
}

// CheckID reports whether id has the form NewID produces.
func CheckID(id string) error {
	if len(id) != IDLen {
		return fmt.Errorf("%w %q: want %d characters", ErrInvalidID, id, IDLen)
	}
	if id[0] > '7' {
		return fmt.Errorf("%w %q: out of range", ErrInvalidID, id)
	}
	for i := 0; i < len(id); i++ {
		if strings.IndexByte(idAlphabet, id[i]) < 0 {
			return fmt.Errorf("%w %q: character %q", ErrInvalidID, id, id[i])
		}
	}
	return nil
}

// IDTime returns the time, to the millisecond, encoded in an ID.
func IDTime(id string) (time.Time, error) {
	if err := CheckID(id); err != nil {
		return time.Time{}, err
	}
	var ms int64
	for i := range 10 {
		ms = ms<<5 | int64(strings.IndexByte(idAlphabet, id[i]))
	}
	return time.UnixMilli(ms), nil
}
