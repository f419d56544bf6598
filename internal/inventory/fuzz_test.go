package inventory

import (
	"os"
	"path/filepath"
	"testing"
)

// addSeeds adds every recorded output under testdata/dir to the corpus.
func addSeeds(f *testing.F, dir string) {
	f.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", dir))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata", dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParseNvidiaSMI checks that any output parses or fails without
// panicking, and that what parses is well formed.
func FuzzParseNvidiaSMI(f *testing.F) {
	addSeeds(f, "nvidia-smi")
	f.Fuzz(func(t *testing.T, data []byte) {
		gpus, err := ParseNvidiaSMI(data)
		if err != nil {
			return
		}
		for _, g := range gpus {
			if g.Vendor != VendorNVIDIA || g.Index < 0 || g.VRAM < 0 || g.Model == "" || g.UUID == "" {
				t.Fatalf("malformed GPU %#v from %q", g, data)
			}
		}
	})
}

// FuzzParseROCmSMI is FuzzParseNvidiaSMI for rocm-smi.
func FuzzParseROCmSMI(f *testing.F) {
	addSeeds(f, "rocm-smi")
	f.Fuzz(func(t *testing.T, data []byte) {
		gpus, err := ParseROCmSMI(data)
		if err != nil {
			return
		}
		for _, g := range gpus {
			if g.Vendor != VendorAMD || g.Index < 0 || g.VRAM < 0 || g.Model == "" || g.UUID == "" {
				t.Fatalf("malformed GPU %#v from %q", g, data)
			}
		}
	})
}
