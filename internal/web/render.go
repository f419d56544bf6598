package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/job"
)

// view is what every page template gets.
type view struct {
	Page string
	// CSRF is the session's token for the page's forms.
	CSRF string
	Data any
}

// render executes page with data in the layout and writes it with status.
// A template error is answered 500 before anything is sent.
func (d *Dashboard) render(w http.ResponseWriter, status int, page string, s session, data any) {
	t, ok := d.pages[page]
	if !ok {
		d.plainError(w, http.StatusInternalServerError, "no page "+page)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", view{Page: page, CSRF: s.csrf, Data: data}); err != nil {
		d.log.Warn("render dashboard page", "page", page, "err", err)
		d.plainError(w, http.StatusInternalServerError, "render "+page+": "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// renderFragment executes one named template of page (no layout), for
// htmx to swap in.
func (d *Dashboard) renderFragment(w http.ResponseWriter, page, name string, data any) {
	var buf bytes.Buffer
	if err := d.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		d.plainError(w, http.StatusInternalServerError, "render "+name+": "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}

func funcs() template.FuncMap {
	return template.FuncMap{
		// short cuts a long ID to its last 8 characters (peer IDs) or
		// first 8 (job IDs): the full one is in the title attribute.
		"short": func(s string) string {
			if len(s) <= 12 {
				return s
			}
			if strings.HasPrefix(s, "12D3") || strings.HasPrefix(s, "16U") || strings.HasPrefix(s, "Qm") {
				return "…" + s[len(s)-8:]
			}
			return s[:8] + "…"
		},
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
		},
		"clock": func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.UTC().Format("15:04:05.000")
		},
		"millis": func(ms uint64) string { return (time.Duration(ms) * time.Millisecond).String() },
		"bytes":  human,
		"size":   func(b job.ByteSize) string { return human(uint64(b)) },
		"dash": func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		},
		"exit": func(c *int) string {
			if c == nil {
				return "-"
			}
			return fmt.Sprint(*c)
		},
		"stateClass": func(s job.State) string {
			switch s {
			case job.StateCompleted:
				return "ok"
			case job.StateFailed, job.StateLost:
				return "bad"
			case job.StateCancelled:
				return "off"
			}
			return "live"
		},
		"terminal": func(s job.State) bool { return s.Terminal() },
		"join":     strings.Join,
		"add":      func(a, b int) int { return a + b },
		// row and rows lay out the offers chart: 28 px a row under a
		// 24 px header.
		"row":   func(i int) int { return 24 + 28*i },
		"rows":  func(n int) int { return 24 + 28*n + 4 },
		"pct":   func(f float64) string { return fmt.Sprintf("%.0f%%", f) },
		"score": func(f float64) string { return fmt.Sprintf("%.1f", f) },
	}
}

// human formats a byte count for reading: 3.9MiB, 23.5GiB.
func human(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") + []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}[i]
}
