package job

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults applied by ApplyDefaults to fields left unset.
const (
	DefaultExecutor = ExecutorDocker
	DefaultCPU      = MilliCPU(1000)
	DefaultMemory   = 512 * MiB
	DefaultDisk     = 1 * GiB
	DefaultTimeout  = Duration(time.Hour)
	// DefaultQueueTimeout is how long a job waits when nothing fits now.
	DefaultQueueTimeout = Duration(10 * time.Minute)
	// DefaultMaxAttempts is how many executions a job may use.
	DefaultMaxAttempts = 3
	// MaxMaxAttempts caps MaxAttempts.
	MaxMaxAttempts = 10
	// totalTimeoutMargin is added to the queue timeout and every attempt's
	// timeout to derive the default TotalTimeout.
	totalTimeoutMargin = Duration(10 * time.Minute)
)

// DefaultFor returns the default ApplyDefaults gives the spec field at path
// field (e.g. "resources.memory"), written as in a spec, and true when
// field is one whose zero value stands for "use the default". Zero makes
// no sense for these fields, so Parse refuses one written out as zero
// rather than silently defaulting it; other fields (resources.gpus,
// maxPricePerHour) give false.
func DefaultFor(field string) (string, bool) {
	switch field {
	case "resources.cpu":
		return DefaultCPU.String(), true
	case "resources.memory":
		return DefaultMemory.String(), true
	case "resources.disk":
		return DefaultDisk.String(), true
	case "timeout":
		return DefaultTimeout.String(), true
	case "queueTimeout":
		return DefaultQueueTimeout.String(), true
	case "totalTimeout":
		return "the queue timeout plus every attempt's timeout plus " + totalTimeoutMargin.String(), true
	case "maxAttempts":
		return strconv.Itoa(DefaultMaxAttempts), true
	case "tasks":
		return "1", true
	}
	return "", false
}

// Limits enforced by Validate. Values beyond them are refused as absurd.
const (
	MinMemory     = 4 * MiB
	MaxCPU        = MilliCPU(1024 * 1000)
	MaxMemory     = 64 * TiB
	MaxDisk       = 1 * PiB
	MaxGPUs       = 64
	MinTimeout    = Duration(time.Second)
	MaxTimeout    = Duration(7 * 24 * time.Hour)
	MaxInlineWasm = 8 << 20
	maxNameLen    = 256

	// MaxTotalTimeout is the largest TotalTimeout: the one derived from the
	// longest queue timeout and MaxMaxAttempts attempts of MaxTimeout.
	MaxTotalTimeout = MaxTimeout + MaxMaxAttempts*MaxTimeout + totalTimeoutMargin
)

// FieldError is one problem with one field of a spec.
type FieldError struct {
	// Field is the field's path, e.g. "resources.memory"; empty for a
	// problem with the document as a whole.
	Field string
	// Problem says what is wrong, e.g. "must be at least 4MiB, got 1KiB".
	Problem string
	// Line is the 1-based line in the spec source, or 0 when unknown.
	Line int
}

// Error formats the problem as "line 3: resources.memory: problem".
func (e FieldError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// FieldErrors is every problem found in a spec, in field order. Parse and
// Validate return it as their error; use errors.As to list the fields.
type FieldErrors []FieldError

// Error lists all problems, separated by "; ".
func (e FieldErrors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Error()
	}
	return strings.Join(parts, "; ")
}

// ApplyDefaults fills unset fields: executor docker, 1 CPU core, 512MiB of
// memory, 1GiB of disk, a one-hour timeout, a 10-minute queue timeout and
// 3 attempts. TotalTimeout is derived from the queue timeout, the attempts
// and the timeout only when those are within Validate's limits, so the sum
// cannot overflow; otherwise it is left unset for Validate to report the
// parts. ApplyDefaults leaves set fields alone and is idempotent.
func (s *Spec) ApplyDefaults() {
	if s.Executor == "" {
		s.Executor = DefaultExecutor
	}
	// A job that names a resource spec gets its resources from it.
	if s.ResourceSpec == "" {
		if s.Resources.CPU == 0 {
			s.Resources.CPU = DefaultCPU
		}
		if s.Resources.Memory == 0 {
			s.Resources.Memory = DefaultMemory
		}
		if s.Resources.Disk == 0 {
			s.Resources.Disk = DefaultDisk
		}
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if s.QueueTimeout == 0 {
		s.QueueTimeout = DefaultQueueTimeout
	}
	if s.MaxAttempts == 0 {
		s.MaxAttempts = DefaultMaxAttempts
	}
	if pol, err := ParseVerification(s.Verification); err == nil && pol.Verified() {
		s.Verification = pol.String() // replicate:2 is replicate(2)
	} else if err == nil {
		s.Verification = ""
	}
	if s.TotalTimeout == 0 && s.timeoutOK() && s.queueTimeoutOK() && s.maxAttemptsOK() {
		s.TotalTimeout = s.QueueTimeout + Duration(s.MaxAttempts)*s.Timeout + totalTimeoutMargin
	}
}

// timeoutOK reports whether Timeout is within its limits.
func (s Spec) timeoutOK() bool { return s.Timeout >= MinTimeout && s.Timeout <= MaxTimeout }

// queueTimeoutOK reports whether QueueTimeout is within its limits.
func (s Spec) queueTimeoutOK() bool {
	return s.QueueTimeout > 0 && s.QueueTimeout <= MaxTimeout
}

// maxAttemptsOK reports whether MaxAttempts is within its limits.
func (s Spec) maxAttemptsOK() bool { return s.MaxAttempts >= 1 && s.MaxAttempts <= MaxMaxAttempts }

// validator collects field errors.
type validator struct{ errs FieldErrors }

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// Validate checks a spec after ApplyDefaults and returns FieldErrors
// listing every problem, or nil.
func (s Spec) Validate() error {
	v := &validator{}
	if s.APIVersion != APIVersion {
		if s.APIVersion == "" {
			v.add("apiVersion", "required, must be %q", APIVersion)
		} else {
			v.add("apiVersion", "must be %q, got %q", APIVersion, s.APIVersion)
		}
	}
	if len(s.Name) > maxNameLen {
		v.add("name", "must be at most %d bytes, got %d", maxNameLen, len(s.Name))
	}
	if strings.ContainsRune(s.Name, 0) {
		v.add("name", "must not contain NUL")
	}
	switch s.Executor {
	case ExecutorDocker:
		if s.Image == "" && !s.IsBooking() {
			v.add("image", "required for the docker executor")
		} else if s.Image == "" {
			// A booking runs no image (validateBooking).
		} else if err := CheckImageRef(s.Image); err != nil {
			v.add("image", "%q is not a valid image reference: %v", s.Image, err)
		}
		if s.Wasm != nil {
			v.add("wasm", "not allowed with the docker executor")
		}
	case ExecutorWasm:
		if s.Image != "" {
			v.add("image", "not allowed with the wasm executor")
		}
		validateWasm(v, s.Wasm)
		if s.Resources.GPUs > 0 {
			v.add("resources.gpus", "the wasm executor cannot use GPUs")
		}
	default:
		v.add("executor", "must be %q or %q, got %q", ExecutorDocker, ExecutorWasm, s.Executor)
	}
	for i, arg := range s.Command {
		if strings.ContainsRune(arg, 0) {
			v.add(fmt.Sprintf("command[%d]", i), "must not contain NUL")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		if !validEnvName(k) {
			v.add("env", "%q is not a valid variable name (letters, digits and _, not starting with a digit)", k)
		}
		if strings.ContainsRune(s.Env[k], 0) {
			v.add("env."+k, "value must not contain NUL")
		}
	}
	validateInputs(v, s.Inputs)
	validateTasks(v, s)
	validateService(v, s)
	validateInBooking(v, s)
	validateTimeLock(v, s)
	switch {
	case s.ResourceSpec == "":
		validateResources(v, s.Resources)
	case !validSpecName(s.ResourceSpec):
		v.add("spec", "%q is not a resource spec name (letters, digits, . _ -; up to 63)", s.ResourceSpec)
	case s.Resources.CPU != 0 || s.Resources.Memory != 0:
		// Filled from the spec at submission: check them as any others.
		validateResources(v, s.Resources)
	}
	switch {
	case s.Timeout < MinTimeout:
		v.add("timeout", "must be at least %s, got %s", MinTimeout, s.Timeout)
	case s.Timeout > MaxTimeout:
		v.add("timeout", "must be at most %s, got %s", MaxTimeout, s.Timeout)
	}
	if !s.queueTimeoutOK() {
		v.add("queueTimeout", "must be positive and at most %s, got %s", MaxTimeout, s.QueueTimeout)
	}
	if !s.maxAttemptsOK() {
		v.add("maxAttempts", "must be between 1 and %d, got %d", MaxMaxAttempts, s.MaxAttempts)
	}
	partsOK := s.timeoutOK() && s.queueTimeoutOK() && s.maxAttemptsOK()
	switch {
	case s.TotalTimeout == 0 && !partsOK:
		// Not derived because a part is out of range; its own error says so.
	case s.TotalTimeout > MaxTotalTimeout:
		v.add("totalTimeout", "must be at most %s, got %s", MaxTotalTimeout, s.TotalTimeout)
	case s.timeoutOK() && s.TotalTimeout < s.Timeout:
		v.add("totalTimeout", "must be at least the timeout (%s), got %s", s.Timeout, s.TotalTimeout)
	case s.TotalTimeout < MinTimeout:
		v.add("totalTimeout", "must be at least %s, got %s", MinTimeout, s.TotalTimeout)
	}
	if s.MaxPricePerHour < 0 {
		v.add("maxPricePerHour", "must not be negative, got %s", s.MaxPricePerHour)
	}
	validateConstraints(v, s.Constraints)
	validateVerification(v, s)
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

// validSpecName is the operator package's rule for names of specs.
func validSpecName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return false
		}
	}
	return true
}

func validateResources(v *validator, r Resources) {
	switch {
	case r.CPU <= 0:
		v.add("resources.cpu", "must be positive, got %s", r.CPU)
	case r.CPU > MaxCPU:
		v.add("resources.cpu", "must be at most %s, got %s", MaxCPU, r.CPU)
	}
	switch {
	case r.Memory < MinMemory:
		v.add("resources.memory", "must be at least %s, got %s", MinMemory, r.Memory)
	case r.Memory > MaxMemory:
		v.add("resources.memory", "must be at most %s, got %s", MaxMemory, r.Memory)
	}
	switch {
	case r.Disk < 0:
		v.add("resources.disk", "must not be negative, got %s", r.Disk)
	case r.Disk > MaxDisk:
		v.add("resources.disk", "must be at most %s, got %s", MaxDisk, r.Disk)
	}
	switch {
	case r.GPUs < 0:
		v.add("resources.gpus", "must not be negative, got %d", r.GPUs)
	case r.GPUs > MaxGPUs:
		v.add("resources.gpus", "must be at most %d, got %d", MaxGPUs, r.GPUs)
	}
	validateCustom(v, "resources.custom", r.Custom)
	g := r.GPU
	if g != (GPUSelector{}) && r.GPUs == 0 {
		v.add("resources.gpu", "set but resources.gpus is 0")
	}
	switch g.Vendor {
	case "", VendorNVIDIA, VendorAMD:
	default:
		v.add("resources.gpu.vendor", "must be %q, %q or empty, got %q", VendorNVIDIA, VendorAMD, g.Vendor)
	}
	if len(g.Model) > maxNameLen || strings.ContainsRune(g.Model, 0) {
		v.add("resources.gpu.model", "must be at most %d bytes without NUL", maxNameLen)
	}
	switch {
	case g.MinVRAM < 0:
		v.add("resources.gpu.minVRAM", "must not be negative, got %s", g.MinVRAM)
	case g.MinVRAM > MaxMemory:
		v.add("resources.gpu.minVRAM", "must be at most %s, got %s", MaxMemory, g.MinVRAM)
	}
}

// Limits of custom resources.
const (
	MaxCustomKinds = 16
	MaxCustomCount = 1 << 20
)

// validateCustom checks custom resource names and counts.
func validateCustom(v *validator, field string, c map[string]int64) {
	if len(c) > MaxCustomKinds {
		v.add(field, "at most %d kinds, got %d", MaxCustomKinds, len(c))
		return
	}
	for _, name := range slices.Sorted(maps.Keys(c)) {
		switch n := c[name]; {
		case !ValidCustomName(name):
			v.add(field, "%q is not a resource name (lower-case letters, digits, . _ -; up to 63, starting with a letter)", name)
		case n < 1 || n > MaxCustomCount:
			v.add(field+"."+name, "must be 1 to %d, got %d", MaxCustomCount, n)
		}
	}
}

// ValidCustomName reports whether s names a custom resource: lower-case
// letters, digits, '.', '_' and '-', starting with a letter, up to 63, and
// not one of the built-in resources.
func ValidCustomName(s string) bool {
	if s == "" || len(s) > 63 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	switch s {
	case "cpu", "memory", "disk", "gpu", "gpus":
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

var sha256HexRE = lazyRE(`^[0-9a-f]{64}$`)

func validateWasm(v *validator, w *WasmModule) {
	if w == nil {
		v.add("wasm", "required for the wasm executor")
		return
	}
	switch {
	case len(w.Inline) > 0 && w.URL != "":
		v.add("wasm", "set either inline or url, not both")
	case len(w.Inline) == 0 && w.URL == "":
		v.add("wasm", "one of inline or url is required")
	case len(w.Inline) > 0:
		if len(w.Inline) > MaxInlineWasm {
			v.add("wasm.inline", "must be at most %s, got %s", ByteSize(MaxInlineWasm), ByteSize(len(w.Inline)))
		} else if !bytes.HasPrefix(w.Inline, []byte("\x00asm")) {
			v.add("wasm.inline", "is not a WebAssembly module (no \\0asm header)")
		}
		if w.SHA256 != "" {
			sum := sha256.Sum256(w.Inline)
			if !sha256HexRE().MatchString(w.SHA256) {
				v.add("wasm.sha256", "must be 64 lower-case hex digits")
			} else if w.SHA256 != hex.EncodeToString(sum[:]) {
				v.add("wasm.sha256", "does not match the inline module (its SHA-256 is %x)", sum)
			}
		}
	default:
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("wasm.url", "must be an http or https URL, got %q", w.URL)
		}
		if w.SHA256 == "" {
			v.add("wasm.sha256", "required with wasm.url")
		} else if !sha256HexRE().MatchString(w.SHA256) {
			v.add("wasm.sha256", "must be 64 lower-case hex digits")
		}
	}
}

// validEnvName reports whether k is a POSIX environment variable name.
func validEnvName(k string) bool {
	if k == "" || k[0] >= '0' && k[0] <= '9' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
