package inventory

import (
	"fmt"
	"strings"
)

// NvidiaRow is one line of nvidia-smi's CSV output, its fields trimmed.
type NvidiaRow struct {
	// Line is the row's line number in the output, from 1.
	Line int
	// Fields are the row's comma-separated fields.
	Fields []string
}

// ReadNvidiaCSV splits the output of an nvidia-smi query run with
// --format=csv (header true: the first non-blank line names the columns
// and is skipped; its first column must be names') or --format=csv,noheader into rows of exactly fields
// fields each, trimmed of spaces. Blank lines are skipped. A row with
// another number of fields is an error naming its line and what the
// columns are (names). nvidia-smi quotes nothing and its fields hold no
// comma, so a plain split is the format's whole grammar.
func ReadNvidiaCSV(out []byte, fields int, names string, header bool) ([]NvidiaRow, error) {
	var rows []NvidiaRow
	n := 0
	for line := range strings.Lines(string(out)) {
		n++
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if header {
			// The header names the columns as names does: a first line
			// that does not is data (a query run with noheader).
			want, _, _ := strings.Cut(names, ",")
			if got, _, _ := strings.Cut(line, ","); strings.TrimSpace(got) != strings.TrimSpace(want) {
				return nil, fmt.Errorf("line %d %q: want the header line (%s)", n, truncate(line, 120), names)
			}
			header = false
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != fields {
			return nil, fmt.Errorf("line %d %q: want %d comma-separated fields (%s), got %d", n, truncate(line, 120), fields, names, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		rows = append(rows, NvidiaRow{Line: n, Fields: f})
	}
	return rows, nil
}

// NvidiaUnavailable reports whether an nvidia-smi field says it has no
// value ("[N/A]", "[Not Supported]", as on MIG devices).
func NvidiaUnavailable(f string) bool {
	return strings.HasPrefix(f, "[") && strings.HasSuffix(f, "]")
}
