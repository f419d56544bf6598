package query

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

// kind is the type of a field's values.
type kind int

const (
	kindString kind = iota
	kindCPU         // millicores
	kindBytes       // bytes
	kindCount       // plain integer
	kindMoney       // micro-units of the token
)

// field is a name an expression can test, with how to read it from an
// offer. each calls fn for every value the offer has for the field (GPU
// fields and executor have several) and reports whether any call did.
type field struct {
	name string
	kind kind
	// each is given the record the query tests (an *offer.Offer for
	// Parse's queries).
	each func(rec any, fn func(num int64, str string) bool) bool
}

func one(get func(o *offer.Offer) int64) func(any, func(int64, string) bool) bool {
	return func(r any, fn func(int64, string) bool) bool { return fn(get(r.(*offer.Offer)), "") }
}

func oneStr(get func(o *offer.Offer) string) func(any, func(int64, string) bool) bool {
	return func(r any, fn func(int64, string) bool) bool { return fn(0, get(r.(*offer.Offer))) }
}

func eachGPU(get func(g *offer.GPU) (int64, string)) func(any, func(int64, string) bool) bool {
	return func(r any, fn func(int64, string) bool) bool {
		o := r.(*offer.Offer)
		for i := range o.GPUs {
			if fn(get(&o.GPUs[i])) {
				return true
			}
		}
		return false
	}
}

var fields = []field{
	{"cpu", kindCPU, one(func(o *offer.Offer) int64 { return int64(o.Free.CPU) })},
	{"memory", kindBytes, one(func(o *offer.Offer) int64 { return int64(o.Free.Memory) })},
	{"disk", kindBytes, one(func(o *offer.Offer) int64 { return int64(o.Free.Disk) })},
	{"gpus", kindCount, one(func(o *offer.Offer) int64 { return int64(len(o.GPUs)) })},
	{"gpu.model", kindString, eachGPU(func(g *offer.GPU) (int64, string) { return 0, g.Model })},
	{"gpu.vendor", kindString, eachGPU(func(g *offer.GPU) (int64, string) { return 0, g.Vendor })},
	{"gpu.vram", kindBytes, eachGPU(func(g *offer.GPU) (int64, string) { return int64(g.VRAM), "" })},
	{"price.cpu_hour", kindMoney, one(func(o *offer.Offer) int64 { return int64(o.Prices.CPUHour) })},
	{"price.memory_gib_hour", kindMoney, one(func(o *offer.Offer) int64 { return int64(o.Prices.MemoryGiBHour) })},
	{"price.disk_gib_hour", kindMoney, one(func(o *offer.Offer) int64 { return int64(o.Prices.DiskGiBHour) })},
	{"price.gpu_hour", kindMoney, one(func(o *offer.Offer) int64 { return int64(o.Prices.GPUHour) })},
	{"region", kindString, oneStr(func(o *offer.Offer) string { return o.Region })},
	{"pool", kindString, oneStr(func(o *offer.Offer) string { return o.Pool })},
	{"node", kindString, oneStr(func(o *offer.Offer) string { return o.Node })},
	{"executor", kindString, func(r any, fn func(int64, string) bool) bool {
		for _, e := range r.(*offer.Offer).Executors {
			if fn(0, e) {
				return true
			}
		}
		return false
	}},
}

// fieldNames lists the fields for error messages.
var fieldNames = func() string {
	names := make([]string, 0, len(fields)+1)
	for _, f := range fields {
		names = append(names, f.name)
	}
	return strings.Join(append(names, "label.<key>"), ", ")
}()

func lookupField(name string) (field, bool) {
	if key, ok := strings.CutPrefix(name, "label."); ok && key != "" {
		return field{name: name, kind: kindString, each: oneStr(func(o *offer.Offer) string { return o.Labels[key] })}, true
	}
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// value is one literal, parsed for its field.
type value struct {
	num int64
	str string
	re  *regexp.Regexp
}

var errNegative = errors.New("must not be negative")

// parse reads a literal for f; regex compiles it for ~.
func (f field) parse(s string, regex bool) (value, error) {
	switch f.kind {
	case kindCPU:
		v, err := job.ParseMilliCPU(s)
		return value{num: int64(v)}, err
	case kindBytes:
		v, err := job.ParseByteSize(s)
		return value{num: int64(v)}, err
	case kindCount:
		v, err := strconv.ParseInt(s, 10, 32)
		if err == nil && v < 0 {
			err = errNegative
		}
		if err != nil {
			return value{}, errors.New("not a whole number")
		}
		return value{num: v}, nil
	case kindMoney:
		v, err := money.Parse(s)
		return value{num: int64(v)}, err
	}
	if regex {
		re, err := regexp.Compile("(?i)" + s)
		if err != nil {
			return value{}, errors.New(strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		return value{str: s, re: re}, nil
	}
	return value{str: s}, nil
}

// literal is the canonical text of v: a number for quantities that can
// be written as one, else a quoted string.
func (f field) literal(v value) string {
	var s string
	switch f.kind {
	case kindCPU:
		s = job.MilliCPU(v.num).String()
	case kindBytes:
		s = job.ByteSize(v.num).String()
	case kindCount:
		s = strconv.FormatInt(v.num, 10)
	case kindMoney:
		s = money.Amount(v.num).String()
	default:
		return quote(v.str)
	}
	if s != "" && ('0' <= s[0] && s[0] <= '9') {
		return s
	}
	return quote(s)
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// node is a parsed expression.
type node interface {
	eval(o any) bool
	format(b *strings.Builder)
}

// binary is and / or.
type binary struct {
	op          string
	left, right node
}

func (n *binary) eval(o any) bool {
	if n.op == "and" {
		return n.left.eval(o) && n.right.eval(o)
	}
	return n.left.eval(o) || n.right.eval(o)
}

func (n *binary) format(b *strings.Builder) {
	b.WriteByte('(')
	n.left.format(b)
	b.WriteString(" " + n.op + " ")
	n.right.format(b)
	b.WriteByte(')')
}

// not negates; notIn marks the `field not in [..]` form.
type not struct {
	x     node
	notIn bool
}

func (n *not) eval(o any) bool { return !n.x.eval(o) }

func (n *not) format(b *strings.Builder) {
	if c, ok := n.x.(*cmp); ok && n.notIn {
		c.formatIn(b, "not in")
		return
	}
	b.WriteString("not ")
	n.x.format(b)
}

// cmp compares a field with one value, or a list for in.
type cmp struct {
	f    field
	op   string
	vals []value
}

func (c *cmp) eval(o any) bool {
	return c.f.each(o, func(num int64, str string) bool {
		for _, v := range c.vals {
			if c.test(num, str, v) {
				return true
			}
		}
		return false
	})
}

func (c *cmp) test(num int64, str string, v value) bool {
	if c.f.kind == kindString {
		switch c.op {
		case "==", "in":
			return str == v.str
		case "!=":
			return str != v.str
		case "~":
			return v.re.MatchString(str)
		}
		return false
	}
	switch c.op {
	case "==", "in":
		return num == v.num
	case "!=":
		return num != v.num
	case "<":
		return num < v.num
	case "<=":
		return num <= v.num
	case ">":
		return num > v.num
	case ">=":
		return num >= v.num
	}
	return false
}

func (c *cmp) format(b *strings.Builder) {
	if c.op == "in" {
		c.formatIn(b, "in")
		return
	}
	b.WriteString(c.f.name + " " + c.op + " " + c.f.literal(c.vals[0]))
}

func (c *cmp) formatIn(b *strings.Builder, op string) {
	b.WriteString(c.f.name + " " + op + " [")
	for i, v := range c.vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.f.literal(v))
	}
	b.WriteByte(']')
}
