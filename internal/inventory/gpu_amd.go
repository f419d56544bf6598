package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/deco-network/deco/internal/job"
)

// rocm-smi JSON keys; rocm-smi has changed their capitalisation between
// releases ("Card series" before ROCm 6.1, "Card Series" after), so they
// are matched without regard to case.
const (
	rocmKeySeries    = "Card series"
	rocmKeyDevName   = "Device Name"
	rocmKeyVRAM      = "VRAM Total Memory (B)"
	rocmKeyUniqueID  = "Unique ID"
	rocmKeyDriver    = "Driver version"
	rocmSystemObject = "system"
)

var rocmCardKey = regexp.MustCompile(`^card([0-9]+)$`)

// ParseROCmSMI parses the output of
//
//	rocm-smi --showid --showproductname --showmeminfo vram --showdriverversion --showuniqueid --json
//
// which is one JSON object with a "cardN" object per GPU and a "system"
// object holding the driver version. Lines before the JSON (rocm-smi prints
// warnings there in some releases) are skipped. A card whose "Unique ID" is
// missing or "N/A" gets the UUID "amd-cardN".
func ParseROCmSMI(out []byte) ([]GPU, error) {
	start := bytes.IndexByte(out, '{')
	if start < 0 {
		return nil, fmt.Errorf("no JSON object in output %q", truncate(firstLine(string(out)), 120))
	}
	if pre := bytes.TrimSpace(out[:start]); len(pre) > 0 && !bytes.HasSuffix(out[:start], []byte("\n")) {
		return nil, fmt.Errorf("line %d: unexpected text before JSON: %q",
			bytes.Count(out[:start], []byte("\n"))+1, truncate(firstLine(string(pre)), 120))
	}
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(out[start:]))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("line %d: %w", jsonErrorLine(out, start, dec, err), err)
	}
	if rest := bytes.TrimSpace(out[start+int(dec.InputOffset()):]); len(rest) > 0 {
		return nil, fmt.Errorf("unexpected text after JSON: %q", truncate(firstLine(string(rest)), 120))
	}

	var driver string
	if raw, ok := doc[rocmSystemObject]; ok {
		sys, err := stringFields(raw)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", rocmSystemObject, err)
		}
		driver = lookup(sys, rocmKeyDriver)
	}

	var gpus []GPU
	for key, raw := range doc {
		m := rocmCardKey.FindStringSubmatch(key)
		if m == nil {
			continue
		}
		idx, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("%q: card number out of range", key)
		}
		card, err := stringFields(raw)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
		g, err := rocmCard(idx, key, card, driver)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
		gpus = append(gpus, g)
	}
	slices.SortFunc(gpus, func(a, b GPU) int { return a.Index - b.Index })
	return gpus, nil
}

func rocmCard(idx int, key string, card map[string]string, driver string) (GPU, error) {
	g := GPU{Index: idx, Vendor: VendorAMD, Driver: driver}
	g.Model = lookup(card, rocmKeySeries)
	if g.Model == "" || g.Model == "N/A" {
		g.Model = lookup(card, rocmKeyDevName)
	}
	if g.Model == "" || g.Model == "N/A" {
		return GPU{}, fmt.Errorf("no %q (run with --showproductname)", rocmKeySeries)
	}
	v := lookup(card, rocmKeyVRAM)
	if v == "" {
		return GPU{}, fmt.Errorf("no %q (run with --showmeminfo vram)", rocmKeyVRAM)
	}
	b, err := strconv.ParseInt(v, 10, 64)
	if err != nil || b < 0 {
		return GPU{}, fmt.Errorf("%q is %q, not a number of bytes", rocmKeyVRAM, v)
	}
	g.VRAM = job.ByteSize(b)
	g.UUID = lookup(card, rocmKeyUniqueID)
	if g.UUID == "" || g.UUID == "N/A" {
		g.UUID = "amd-" + key
	}
	return g, nil
}

// stringFields decodes a flat JSON object whose values are strings or
// numbers (rocm-smi writes strings) into strings.
func stringFields(raw json.RawMessage) (map[string]string, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("not a JSON object of fields: %w", err)
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		switch v := v.(type) {
		case string:
			out[k] = strings.TrimSpace(v)
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return out, nil
}

// lookup returns the value of key in fields, ignoring case.
func lookup(fields map[string]string, key string) string {
	if v, ok := fields[key]; ok {
		return v
	}
	for k, v := range fields {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// jsonErrorLine returns the 1-based line of out where decoding failed.
func jsonErrorLine(out []byte, start int, dec *json.Decoder, err error) int {
	off := start + int(dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = start + int(se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		off = start + int(te.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		off = len(out)
	}
	off = min(off, len(out))
	return bytes.Count(out[:off], []byte("\n")) + 1
}
