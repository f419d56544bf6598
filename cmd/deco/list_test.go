package main

import (
	"strings"
	"testing"
)

func TestOffersWhereSyntaxError(t *testing.T) {
	_, _, err := deco(t, "--data-dir", t.TempDir(), "offers", "--where", `gpus >= 2 and gpu.modle ~ "A100"`)
	want := "--where: unknown field \"gpu.modle\""
	caret := "\n  gpus >= 2 and gpu.modle ~ \"A100\"\n                ^"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), caret) {
		t.Fatalf("got %v, want %q ending with the caret under column 15", err, want)
	}
}
