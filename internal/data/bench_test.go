package data

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkDigest digests 100 MiB in 1000 files of 100 KiB (page cache
// warm after the first iteration).
func BenchmarkDigest(b *testing.B) {
	dir := b.TempDir()
	const files, size = 1000, 100 << 10
	data := make([]byte, size)
	for i := range files {
		rand.Read(data)
		sub := filepath.Join(dir, "d"+strconv.Itoa(i%10))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "f"+strconv.Itoa(i)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(files * size)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Digest(dir); err != nil {
			b.Fatal(err)
		}
	}
}
