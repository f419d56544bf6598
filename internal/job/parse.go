package job

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxSpecSize is the largest spec Parse accepts: room for an inline wasm
// module of MaxInlineWasm bytes in base64 plus the rest of the spec.
const MaxSpecSize = 16 << 20

// ErrSpecTooLarge is returned for a spec larger than MaxSpecSize.
var ErrSpecTooLarge = errors.New("spec is larger than 16MiB")

// Parse decodes a spec written in YAML or JSON. Input whose first
// non-space character is '{' is read as JSON, anything else as YAML.
// Decoding is strict: unknown and duplicate fields are errors. Problems
// are reported as FieldErrors naming the field path (e.g.
// "resources.memory") and the line where known. A field with a default
// (see DefaultFor) written out as zero is a problem too: leave it out, or
// null, for the default. Parse neither applies defaults nor validates;
// call ApplyDefaults and Validate next.
func Parse(data []byte) (Spec, error) {
	if len(data) > MaxSpecSize {
		return Spec{}, ErrSpecTooLarge
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return Spec{}, FieldErrors{{Problem: "empty spec"}}
	}
	if trimmed[0] == '{' {
		return parseJSON(data)
	}
	return parseYAML(data)
}

// ParseFile reads and parses the spec file at path.
func ParseFile(path string) (Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return Spec{}, fmt.Errorf("read spec: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSpecSize+1))
	if err != nil {
		return Spec{}, fmt.Errorf("read spec %s: %w", path, err)
	}
	s, err := Parse(data)
	if err != nil {
		return Spec{}, fmt.Errorf("spec %s: %w", path, err)
	}
	return s, nil
}

var (
	bytesType   = reflect.TypeFor[[]byte]()
	networkType = reflect.TypeFor[NetworkPolicy]()
)

// fieldByTag finds the field of struct type t whose tag key (json or yaml)
// names name exactly.
func fieldByTag(t reflect.Type, key, name string) (int, bool) {
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get(key), ",")
		if tag == name && tag != "" && tag != "-" {
			return i, true
		}
	}
	return 0, false
}

// joinPath appends a field name to a field path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// friendlyType describes what a field of type t expects.
func friendlyType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "a list of strings"
		}
		return "a list"
	case reflect.Map:
		return "a mapping of strings to strings"
	case reflect.Struct, reflect.Pointer:
		return "a mapping"
	}
	return t.String()
}

// yamlWalker decodes a YAML node tree into a value, checking field names
// against the struct tags and recording problems with their paths.
type yamlWalker struct {
	errs FieldErrors
}

func (w *yamlWalker) fail(line int, path, format string, args ...any) {
	w.errs = append(w.errs, FieldError{Field: path, Problem: fmt.Sprintf(format, args...), Line: line})
}

func isYAMLNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// resolveAlias returns the node an alias refers to, or n itself.
func resolveAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// explicitZero returns the problem with a field at path that was written
// out (not null) and decoded to v: when v is zero and the field is one
// whose zero means "use the default" (see DefaultFor), a zero written out
// is refused instead of being taken for the default.
func explicitZero(v reflect.Value, path string, line int) FieldErrors {
	if !v.IsZero() {
		return nil
	}
	def, ok := DefaultFor(path)
	if !ok {
		return nil
	}
	return FieldErrors{{Field: path, Line: line, Problem: "must not be 0 (leave the field out for the default, " + def + ")"}}
}

// describeYAML names what a node holds, for error messages.
func describeYAML(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	}
	return "something else"
}

var yamlLineRE = lazyRE(`^line (\d+): (.*)$`)

func (w *yamlWalker) walk(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			w.fail(n.Line, path, "unresolved alias")
			return
		}
		n = n.Alias
	}
	t := v.Type()
	switch {
	case t == networkType:
		// A boolean or a mapping: its own decoder, strict too.
		if err := n.Decode(v.Addr().Interface()); err != nil {
			w.fail(n.Line, path, "%s", strings.TrimPrefix(yamlLineRE().ReplaceAllString(err.Error(), "$2"), "yaml: "))
		}
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		if isYAMLNull(n) {
			v.SetZero()
			return
		}
		nv := reflect.New(t.Elem())
		w.walk(n, nv.Elem(), path)
		v.Set(nv)
	case t.Kind() == reflect.Struct:
		if isYAMLNull(n) {
			return
		}
		if n.Kind != yaml.MappingNode {
			w.fail(n.Line, path, "expected a mapping, got %s", describeYAML(n))
			return
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				w.fail(k.Line, path, "field names must be strings, got %s", describeYAML(k))
				continue
			}
			fpath := joinPath(path, k.Value)
			if first, dup := seen[k.Value]; dup {
				w.fail(k.Line, fpath, "duplicate field (first at line %d)", first)
				continue
			}
			seen[k.Value] = k.Line
			fi, ok := fieldByTag(t, "yaml", k.Value)
			if !ok {
				w.fail(k.Line, fpath, "unknown field")
				continue
			}
			before := len(w.errs)
			w.walk(val, v.Field(fi), fpath)
			if len(w.errs) == before && !isYAMLNull(resolveAlias(val)) {
				w.errs = append(w.errs, explicitZero(v.Field(fi), fpath, val.Line)...)
			}
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		if isYAMLNull(n) {
			v.SetZero()
			return
		}
		if n.Kind != yaml.SequenceNode {
			w.fail(n.Line, path, "expected a list, got %s", describeYAML(n))
			return
		}
		out := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, el := range n.Content {
			w.walk(el, out.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(out)
	case t == bytesType:
		if isYAMLNull(n) {
			v.SetZero()
			return
		}
		if n.Kind != yaml.ScalarNode {
			w.fail(n.Line, path, "expected base64 data, got %s", describeYAML(n))
			return
		}
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
		if err != nil {
			w.fail(n.Line, path, "invalid base64 data: %v", err)
			return
		}
		v.SetBytes(b)
	default:
		if err := n.Decode(v.Addr().Interface()); err != nil {
			var te *yaml.TypeError
			if errors.As(err, &te) {
				w.fail(n.Line, path, "expected %s, got %s", friendlyType(t), describeYAML(n))
				return
			}
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			line := n.Line
			if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
			}
			w.fail(line, path, "%s", msg)
		}
	}
}

// parseYAML decodes exactly one YAML document into a Spec.
func parseYAML(data []byte) (Spec, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Spec{}, FieldErrors{{Problem: "empty spec"}}
		}
		return Spec{}, yamlSyntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return Spec{}, yamlSyntaxError(err)
		}
		return Spec{}, FieldErrors{{Line: extra.Line, Problem: "more than one YAML document"}}
	}
	if len(doc.Content) == 0 || isYAMLNull(doc.Content[0]) {
		return Spec{}, FieldErrors{{Problem: "empty spec"}}
	}
	var s Spec
	w := yamlWalker{}
	w.walk(doc.Content[0], reflect.ValueOf(&s).Elem(), "")
	if len(w.errs) > 0 {
		return Spec{}, w.errs
	}
	return s, nil
}

// yamlSyntaxError turns a yaml.v3 parse error into a FieldError with its
// line.
func yamlSyntaxError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	fe := FieldError{Problem: msg}
	if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
		fe.Problem = m[2]
	}
	return FieldErrors{fe}
}

// jsonWalker decodes JSON into a value field by field so that every
// problem carries its field path and line.
type jsonWalker struct {
	src  []byte
	errs FieldErrors
}

// line returns the 1-based line of byte offset off in the source.
func (w *jsonWalker) line(off int64) int {
	off = max(0, min(off, int64(len(w.src))))
	return 1 + bytes.Count(w.src[:off], []byte("\n"))
}

func (w *jsonWalker) fail(off int64, path, format string, args ...any) {
	w.errs = append(w.errs, FieldError{Field: path, Problem: fmt.Sprintf(format, args...), Line: w.line(off)})
}

// describeJSON names what a raw JSON value holds, for error messages.
func describeJSON(raw []byte) string {
	switch {
	case len(raw) == 0:
		return "nothing"
	case raw[0] == '{':
		return "an object"
	case raw[0] == '[':
		return "a list"
	case len(raw) > 40:
		return string(raw[:40]) + "..."
	}
	return string(raw)
}

// walk decodes raw, which starts at byte off of the source, into v.
func (w *jsonWalker) walk(raw []byte, off int64, v reflect.Value, path string) {
	t := v.Type()
	isNull := string(raw) == "null"
	switch {
	case t == networkType:
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			w.fail(off, path, "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		if isNull {
			v.SetZero()
			return
		}
		nv := reflect.New(t.Elem())
		w.walk(raw, off, nv.Elem(), path)
		v.Set(nv)
	case t.Kind() == reflect.Struct:
		if isNull {
			return
		}
		if len(raw) == 0 || raw[0] != '{' {
			w.fail(off, path, "expected an object, got %s", describeJSON(raw))
			return
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		if _, err := dec.Token(); err != nil {
			w.fail(off, path, "%v", err)
			return
		}
		seen := map[string]int{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				w.fail(off+dec.InputOffset(), path, "%v", err)
				return
			}
			key, _ := tok.(string)
			keyOff := off + dec.InputOffset()
			var val json.RawMessage
			if err := dec.Decode(&val); err != nil {
				w.fail(keyOff, path, "%v", err)
				return
			}
			valOff := off + dec.InputOffset() - int64(len(val))
			fpath := joinPath(path, key)
			if first, dup := seen[key]; dup {
				w.fail(keyOff, fpath, "duplicate field (first at line %d)", first)
				continue
			}
			seen[key] = w.line(keyOff)
			fi, ok := fieldByTag(t, "json", key)
			if !ok {
				w.fail(keyOff, fpath, "unknown field")
				continue
			}
			before := len(w.errs)
			w.walk(val, valOff, v.Field(fi), fpath)
			if len(w.errs) == before && string(val) != "null" {
				w.errs = append(w.errs, explicitZero(v.Field(fi), fpath, w.line(valOff))...)
			}
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		if isNull {
			v.SetZero()
			return
		}
		if len(raw) == 0 || raw[0] != '[' {
			w.fail(off, path, "expected a list, got %s", describeJSON(raw))
			return
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		if _, err := dec.Token(); err != nil {
			w.fail(off, path, "%v", err)
			return
		}
		out := reflect.MakeSlice(t, 0, 4)
		for i := 0; dec.More(); i++ {
			var el json.RawMessage
			if err := dec.Decode(&el); err != nil {
				w.fail(off+dec.InputOffset(), path, "%v", err)
				return
			}
			elOff := off + dec.InputOffset() - int64(len(el))
			out = reflect.Append(out, reflect.Zero(t.Elem()))
			w.walk(el, elOff, out.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(out)
	default:
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				w.fail(off, path, "expected %s, got %s", friendlyType(t), describeJSON(raw))
				return
			}
			w.fail(off, path, "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
	}
}

// parseJSON decodes one JSON object into a Spec.
func parseJSON(data []byte) (Spec, error) {
	w := jsonWalker{src: data}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Spec{}, FieldErrors{{Line: w.line(se.Offset), Problem: strings.TrimPrefix(se.Error(), "json: ")}}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Spec{}, FieldErrors{{Line: w.line(int64(len(data))), Problem: "unexpected end of JSON input"}}
		}
		return Spec{}, FieldErrors{{Problem: strings.TrimPrefix(err.Error(), "json: ")}}
	}
	start := dec.InputOffset() - int64(len(raw))
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Spec{}, FieldErrors{{Line: w.line(dec.InputOffset()), Problem: "unexpected data after the JSON object"}}
	}
	var s Spec
	w.walk(raw, start, reflect.ValueOf(&s).Elem(), "")
	if len(w.errs) > 0 {
		return Spec{}, w.errs
	}
	return s, nil
}

// wasmYAML is how a WasmModule is written in YAML: the inline module as a
// base64 string rather than a list of byte values.
type wasmYAML struct {
	Inline string `yaml:"inline,omitempty"`
	URL    string `yaml:"url,omitempty"`
	SHA256 string `yaml:"sha256,omitempty"`
}

// MarshalYAML writes the module with Inline as a base64 string, as in JSON.
func (m WasmModule) MarshalYAML() (any, error) {
	var inline string
	if len(m.Inline) > 0 {
		inline = base64.StdEncoding.EncodeToString(m.Inline)
	}
	return wasmYAML{Inline: inline, URL: m.URL, SHA256: m.SHA256}, nil
}

// UnmarshalYAML reads the module strictly, with Inline as base64.
func (m *WasmModule) UnmarshalYAML(n *yaml.Node) error {
	w := yamlWalker{}
	var out WasmModule
	w.walk(n, reflect.ValueOf(&out).Elem(), "")
	if len(w.errs) > 0 {
		return w.errs
	}
	*m = out
	return nil
}
