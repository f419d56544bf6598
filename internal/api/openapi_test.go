package api

import (
	"encoding"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// jsonField is one field of a struct as encoding/json writes it.
type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields lists the JSON fields of struct type t (through pointers),
// with embedded structs' fields inlined and json:"-" fields left out.
func jsonFields(t reflect.Type) []jsonField {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name, f.Type})
	}
	return out
}

// scalarJSON reports whether t writes itself (json.Marshaler or
// encoding.TextMarshaler): its schema is the document's word, not
// derived from its Go fields.
func scalarJSON(t reflect.Type) bool {
	for _, i := range []reflect.Type{reflect.TypeFor[json.Marshaler](), reflect.TypeFor[encoding.TextMarshaler]()} {
		if t.Implements(i) || reflect.PointerTo(t).Implements(i) {
			return true
		}
	}
	return false
}

// oaDoc is the part of an OpenAPI document the test reads.
type oaDoc struct {
	OpenAPI    string                          `yaml:"openapi"`
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		Schemas    map[string]*oaSchema  `yaml:"schemas"`
		Parameters map[string]oaParam    `yaml:"parameters"`
		Responses  map[string]oaResponse `yaml:"responses"`
	} `yaml:"components"`
}

type oaOperation struct {
	Parameters  []oaParam              `yaml:"parameters"`
	Security    *[]map[string][]string `yaml:"security"`
	RequestBody *struct {
		Content map[string]oaMedia `yaml:"content"`
	} `yaml:"requestBody"`
	Responses map[string]oaResponse `yaml:"responses"`
}

type oaParam struct {
	Ref      string `yaml:"$ref"`
	Name     string `yaml:"name"`
	In       string `yaml:"in"`
	Required bool   `yaml:"required"`
}

type oaResponse struct {
	Ref     string             `yaml:"$ref"`
	Content map[string]oaMedia `yaml:"content"`
}

type oaMedia struct {
	Schema *oaSchema `yaml:"schema"`
}

type oaSchema struct {
	Ref                  string               `yaml:"$ref"`
	Type                 string               `yaml:"type"`
	Properties           map[string]*oaSchema `yaml:"properties"`
	Items                *oaSchema            `yaml:"items"`
	AdditionalProperties *oaSchema            `yaml:"additionalProperties"`
}

func loadOpenAPI(t *testing.T) oaDoc {
	t.Helper()
	var doc oaDoc
	if err := yaml.Unmarshal([]byte(openAPIDoc), &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.yaml is OpenAPI %q, want 3.x", doc.OpenAPI)
	}
	return doc
}

// operations returns the document's operations by "METHOD /path", with
// the path item's parameters added to each.
func operations(t *testing.T, doc oaDoc) map[string]oaOperation {
	t.Helper()
	// The keys of a path item that are operations.
	httpMethods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	ops := map[string]oaOperation{}
	for path, item := range doc.Paths {
		var shared []oaParam
		if p, ok := item["parameters"]; ok {
			if err := p.Decode(&shared); err != nil {
				t.Fatalf("%s parameters: %v", path, err)
			}
		}
		for key, node := range item {
			if !slices.Contains(httpMethods, key) {
				if key != "parameters" && key != "summary" && key != "description" {
					t.Errorf("%s: unexpected key %q", path, key)
				}
				continue
			}
			var op oaOperation
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			op.Parameters = append(append([]oaParam{}, shared...), op.Parameters...)
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return ops
}

// TestOpenAPIMatchesRoutes checks openapi.yaml against the route table New
// registers: the same routes with the same methods, path and query
// parameters, success status, and body schemas that name exactly the JSON
// fields of the Go types.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := operations(t, doc)
	var served []string
	for _, rt := range routes() {
		served = append(served, rt.method+" "+rt.pattern)
	}
	var documented []string
	for k := range ops {
		documented = append(documented, k)
	}
	sort.Strings(served)
	sort.Strings(documented)
	if !slices.Equal(served, documented) {
		t.Fatalf("routes served and documented differ:\nserved     %v\ndocumented %v", served, documented)
	}
	for _, rt := range routes() {
		key := rt.method + " " + rt.pattern
		op := ops[key]
		t.Run(key, func(t *testing.T) {
			var pathParams, query []string
			for _, p := range op.Parameters {
				if p.Ref != "" {
					p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				}
				switch p.In {
				case "path":
					if !p.Required {
						t.Errorf("path parameter %s not required", p.Name)
					}
					pathParams = append(pathParams, p.Name)
				case "query":
					query = append(query, p.Name)
				}
			}
			var wantPath []string
			for seg := range strings.SplitSeq(rt.pattern, "/") {
				if strings.HasPrefix(seg, "{") {
					wantPath = append(wantPath, strings.Trim(seg, "{}"))
				}
			}
			sort.Strings(query)
			wantQuery := slices.Sorted(slices.Values(rt.query))
			if !slices.Equal(pathParams, wantPath) || !slices.Equal(query, wantQuery) {
				t.Errorf("parameters: path %v query %v documented, want path %v query %v", pathParams, query, wantPath, wantQuery)
			}
			open := op.Security != nil && len(*op.Security) == 0
			if open != rt.open {
				t.Errorf("documented open (security: []) %v, served open %v", open, rt.open)
			}
			if _, ok := op.Responses["401"]; !rt.open && !ok {
				t.Error("no 401 documented")
			}
			if _, ok := op.Responses["429"]; !ok {
				t.Error("no 429 documented")
			}
			if rt.maxBody > 0 {
				for _, code := range []string{"400", "413"} {
					if _, ok := op.Responses[code]; !ok {
						t.Errorf("takes a body and has no %s documented", code)
					}
				}
			}
			ok, found := op.Responses[strconv.Itoa(rt.status)]
			if !found {
				t.Fatalf("success status %d not documented", rt.status)
			}
			for code, resp := range op.Responses {
				if code >= "400" {
					s := mediaSchema(doc, resp, "application/json")
					if s == nil || s.Ref != "#/components/schemas/Error" {
						t.Errorf("%s is not documented as an Error body", code)
					}
				}
			}
			if rt.response != nil {
				s := mediaSchema(doc, ok, "application/json")
				if s == nil {
					t.Fatalf("%d has no application/json schema", rt.status)
				}
				checkSchema(t, doc, s, reflect.TypeOf(rt.response), "response")
			}
			if (rt.request != nil) != (op.RequestBody != nil) {
				t.Fatalf("request body documented %v, taken %v", op.RequestBody != nil, rt.request != nil)
			}
			if rt.request != nil {
				s := op.RequestBody.Content["application/json"].Schema
				if s == nil {
					t.Fatal("request body has no application/json schema")
				}
				checkSchema(t, doc, s, reflect.TypeOf(rt.request), "request")
			}
		})
	}
}

func mediaSchema(doc oaDoc, r oaResponse, media string) *oaSchema {
	if r.Ref != "" {
		r = doc.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")]
	}
	return r.Content[media].Schema
}

// checkSchema checks s describes Go type t as encoding/json writes it:
// the same kind of value and, for structs, exactly the same field names,
// recursively. Types that write themselves (scalarJSON) are the
// document's word.
func checkSchema(t *testing.T, doc oaDoc, s *oaSchema, typ reflect.Type, at string) {
	t.Helper()
	for s != nil && s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
		next, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("%s: $ref %s is not in components", at, s.Ref)
			return
		}
		s = next
	}
	if s == nil {
		t.Errorf("%s: no schema", at)
		return
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ == reflect.TypeFor[time.Duration]() {
		if s.Type != "integer" {
			t.Errorf("%s: %s is type %q, want integer (nanoseconds)", at, typ, s.Type)
		}
		return
	}
	if scalarJSON(typ) {
		return
	}
	want := ""
	switch typ.Kind() {
	case reflect.Struct, reflect.Map:
		want = "object"
	case reflect.Slice, reflect.Array:
		want = "array"
		if typ.Elem().Kind() == reflect.Uint8 {
			want = "string"
		}
	case reflect.String:
		want = "string"
	case reflect.Bool:
		want = "boolean"
	case reflect.Float32, reflect.Float64:
		want = "number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "integer"
	case reflect.Interface:
		return
	}
	if s.Type != want {
		t.Errorf("%s: %s is documented as type %q, want %q", at, typ, s.Type, want)
		return
	}
	switch {
	case typ.Kind() == reflect.Struct:
		fields := jsonFields(typ)
		var goNames, docNames []string
		for _, f := range fields {
			goNames = append(goNames, f.name)
		}
		for n := range s.Properties {
			docNames = append(docNames, n)
		}
		sort.Strings(goNames)
		sort.Strings(docNames)
		if !slices.Equal(goNames, docNames) {
			t.Errorf("%s: %s has JSON fields %v, the document %v", at, typ, goNames, docNames)
			return
		}
		for _, f := range fields {
			checkSchema(t, doc, s.Properties[f.name], f.typ, at+"."+f.name)
		}
	case typ.Kind() == reflect.Map:
		checkSchema(t, doc, s.AdditionalProperties, typ.Elem(), at+"{}")
	case want == "array":
		checkSchema(t, doc, s.Items, typ.Elem(), at+"[]")
	}
}

// TestOpenAPIServed checks the document is served without a token.
func TestOpenAPIServed(t *testing.T) {
	h := New(&fakeBackend{}, "tok", nil, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/openapi.yaml", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/yaml" || rec.Body.String() != openAPIDoc {
		t.Fatalf("GET /v1/openapi.yaml: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// TestOpenAPIIsValid checks the document against the OpenAPI 3.0
// specification with kin-openapi (refs resolve, schemas and parameters are
// well formed).
func TestOpenAPIIsValid(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData([]byte(openAPIDoc))
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI: %v", err)
	}
}
