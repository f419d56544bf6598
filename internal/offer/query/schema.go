package query

import "strings"

// Kind is the type of a field's values, which decides how its literals
// are read: Text compares strings (==, !=, ~, in), the others numbers.
type Kind int

// Kinds of field.
const (
	Text  Kind = Kind(kindString)
	Count Kind = Kind(kindCount)
	Money Kind = Kind(kindMoney)
	Bytes Kind = Kind(kindBytes)
)

// Field is one name an expression over another kind of record may test.
// Each calls fn for every value rec has for the field and reports
// whether any call did.
type Field struct {
	Name string
	Kind Kind
	Each func(rec any, fn func(num int64, str string) bool) bool
}

// Schema is the fields of one kind of record, so that the same language
// searches it (service offers, say); Parse is the schema of offers.
type Schema struct {
	fields []field
	names  string
}

// NewSchema returns the schema of fields.
func NewSchema(fields ...Field) *Schema {
	s := &Schema{}
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		s.fields = append(s.fields, field{name: f.Name, kind: kind(f.Kind), each: f.Each})
		names = append(names, f.Name)
	}
	s.names = strings.Join(names, ", ")
	return s
}

// Parse reads an expression over the schema's records; match them with
// Query.MatchRecord.
func (s *Schema) Parse(expr string) (*Query, error) {
	return parse(expr, func(name string) (field, bool) {
		for _, f := range s.fields {
			if f.name == name {
				return f, true
			}
		}
		return field{}, false
	}, s.names)
}

// Names lists the schema's fields, for help texts.
func (s *Schema) Names() string { return s.names }
