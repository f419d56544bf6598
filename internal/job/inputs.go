package job

import (
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
)

// Limits on inputs enforced by Validate.
const (
	// MaxInputs is the most inputs one spec may have.
	MaxInputs = 64
	// MaxInlineInputs caps the total bytes of all inline input files: they
	// travel inside the spec.
	MaxInlineInputs = 1 << 20
	// MaxInlineFiles caps the number of files of one inline input.
	MaxInlineFiles = 1000
)

// Input is one input of a task. The provider fetches it before the task
// starts and the task sees it read-only at /inputs/<Name>: a file for a url
// input, a directory for the others. Exactly one source is set.
//
// In YAML:
//
//	inputs:
//	  - name: data
//	    url: https://example.org/data.csv
//	    sha256: 9f86d0...
//	  - name: code
//	    git: {url: https://example.org/repo.git, ref: v1.2.0}
//	  - name: cfg
//	    inline: {files: {"a.txt": "hello"}}
//	  - name: prev
//	    result: {job: 01J..., digest: "sha256:...", provider: 16Uiu2...}
type Input struct {
	// Name is the input's path under /inputs: a single safe path component
	// (letters, digits, '.', '_' and '-', not starting with '.').
	Name string `json:"name" yaml:"name"`
	// URL is an http or https address of one file.
	URL string `json:"url,omitempty" yaml:"url,omitempty"`
	// SHA256 is the hex SHA-256 of the file at URL; required unless
	// InsecureSkipHash is set.
	SHA256 string `json:"sha256,omitempty" yaml:"sha256,omitempty"`
	// InsecureSkipHash accepts whatever the URL serves, unchecked.
	InsecureSkipHash bool `json:"insecureSkipHash,omitempty" yaml:"insecureSkipHash,omitempty"`
	// MaxSize caps the download of a url input; zero means the task's
	// resources.disk.
	MaxSize ByteSize `json:"maxSize,omitempty" yaml:"maxSize,omitempty"`
	// Git is a repository checked out at one commit.
	Git *GitInput `json:"git,omitempty" yaml:"git,omitempty"`
	// Inline is small files carried in the spec itself.
	Inline *InlineInput `json:"inline,omitempty" yaml:"inline,omitempty"`
	// Result is the output tree of an earlier job.
	Result *ResultInput `json:"result,omitempty" yaml:"result,omitempty"`
	// Split shares the input out among the job's tasks: "lines" gives
	// task i every N-th line of a file from line i, "files" every N-th
	// file of a directory from file i. Unset, every task sees all of it.
	Split string `json:"split,omitempty" yaml:"split,omitempty"`
}

// GitInput names a repository at an exact revision.
type GitInput struct {
	// URL is the repository's http or https clone address.
	URL string `json:"url" yaml:"url"`
	// Ref is a full 40-digit commit hash or a tag name; the work tree is
	// checked out at exactly that commit (a tag is resolved on the remote).
	Ref string `json:"ref" yaml:"ref"`
}

// InlineInput is a small tree of text files embedded in the spec.
type InlineInput struct {
	// Files maps slash-separated relative paths to contents.
	Files map[string]string `json:"files" yaml:"files"`
}

// ResultInput is the output tree of an earlier job, fetched from the
// provider that holds it.
type ResultInput struct {
	// Job is the earlier job's ID (on the submitting requester).
	Job string `json:"job" yaml:"job"`
	// Digest is the result digest ("sha256:<hex>"); the fetched tree must
	// match it. The requester fills it in from its record when empty.
	Digest string `json:"digest,omitempty" yaml:"digest,omitempty"`
	// Provider is the peer ID of the node holding the result; the
	// requester fills it in from its record when empty.
	Provider string `json:"provider,omitempty" yaml:"provider,omitempty"`
}

// Kind names the input's source: "url", "git", "inline" or "result"
// (empty when none or several are set).
func (in Input) Kind() string {
	var kinds []string
	if in.URL != "" {
		kinds = append(kinds, "url")
	}
	if in.Git != nil {
		kinds = append(kinds, "git")
	}
	if in.Inline != nil {
		kinds = append(kinds, "inline")
	}
	if in.Result != nil {
		kinds = append(kinds, "result")
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

var (
	inputNameRE = lazyRE(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$`)
	commitRE    = lazyRE(`^[0-9a-f]{40}$`)
	peerIDRE    = lazyRE(`^[1-9A-HJ-NP-Za-km-z]{20,128}$`)
)

// IsCommit reports whether ref is a full 40-digit hex commit hash.
func IsCommit(ref string) bool { return commitRE().MatchString(ref) }

// CheckInputName reports whether name is acceptable as an input name.
func CheckInputName(name string) error {
	if !inputNameRE().MatchString(name) {
		return fmt.Errorf("%q is not a safe name (1-128 letters, digits, '.', '_' or '-', not starting with '.')", name)
	}
	return nil
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// validateInputs checks every input and the limits across them.
func validateInputs(v *validator, ins []Input) {
	if len(ins) > MaxInputs {
		v.add("inputs", "at most %d inputs, got %d", MaxInputs, len(ins))
	}
	seen := map[string]int{}
	inlineTotal := 0
	for i, in := range ins {
		p := fmt.Sprintf("inputs[%d]", i)
		if in.Name == "" {
			v.add(p+".name", "required")
		} else if err := CheckInputName(in.Name); err != nil {
			v.add(p+".name", "%v", err)
		} else if first, dup := seen[in.Name]; dup {
			v.add(p+".name", "%q is already the name of inputs[%d]", in.Name, first)
		} else {
			seen[in.Name] = i
		}
		kind := in.Kind()
		if kind == "" {
			v.add(p, "set exactly one of url, git, inline or result")
			continue
		}
		if kind != "url" && (in.SHA256 != "" || in.InsecureSkipHash || in.MaxSize != 0) {
			v.add(p, "sha256, insecureSkipHash and maxSize apply to url inputs only")
		}
		switch kind {
		case "url":
			if !httpURL(in.URL) {
				v.add(p+".url", "must be an http or https URL, got %q", in.URL)
			}
			switch {
			case in.SHA256 == "" && !in.InsecureSkipHash:
				v.add(p+".sha256", "required for url inputs (or set insecureSkipHash)")
			case in.SHA256 != "" && in.InsecureSkipHash:
				v.add(p+".sha256", "set sha256 or insecureSkipHash, not both")
			case in.SHA256 != "" && !sha256HexRE().MatchString(in.SHA256):
				v.add(p+".sha256", "must be 64 lower-case hex digits")
			}
			if in.MaxSize < 0 {
				v.add(p+".maxSize", "must not be negative, got %s", in.MaxSize)
			}
		case "git":
			if !httpURL(in.Git.URL) {
				v.add(p+".git.url", "must be an http or https URL, got %q", in.Git.URL)
			}
			switch {
			case in.Git.Ref == "":
				v.add(p+".git.ref", "required: a 40-digit commit hash or a tag")
			case !IsCommit(in.Git.Ref) && !validTag(in.Git.Ref):
				v.add(p+".git.ref", "%q is neither a 40-digit lower-case commit hash nor a valid tag name", in.Git.Ref)
			}
		case "inline":
			if len(in.Inline.Files) == 0 {
				v.add(p+".inline.files", "required: at least one file")
			}
			if len(in.Inline.Files) > MaxInlineFiles {
				v.add(p+".inline.files", "at most %d files, got %d", MaxInlineFiles, len(in.Inline.Files))
			}
			for _, name := range slices.Sorted(maps.Keys(in.Inline.Files)) {
				if err := CheckRelPath(name); err != nil {
					v.add(p+".inline.files", "%v", err)
				}
				inlineTotal += len(in.Inline.Files[name])
			}
		case "result":
			r := in.Result
			if err := CheckID(r.Job); err != nil {
				v.add(p+".result.job", "%q is not a job ID", r.Job)
			}
			if r.Digest != "" && !digestRE().MatchString(r.Digest) {
				v.add(p+".result.digest", `must be "sha256:" and 64 lower-case hex digits, got %q`, r.Digest)
			}
			if r.Provider != "" && !peerIDRE().MatchString(r.Provider) {
				v.add(p+".result.provider", "%q is not a peer ID", r.Provider)
			}
		}
	}
	if inlineTotal > MaxInlineInputs {
		v.add("inputs", "inline files total %s, more than the %s allowed", ByteSize(inlineTotal), ByteSize(MaxInlineInputs))
	}
}

// validTag accepts the tag names git itself accepts, a little more
// strictly: no "..", no control characters, spaces or ~^:?*[\, no
// leading '-' or '/', no trailing '/', '.' or ".lock".
func validTag(s string) bool {
	if len(s) > 200 || s[0] == '-' || s[0] == '/' || strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".") ||
		strings.HasSuffix(s, ".lock") || strings.Contains(s, "..") || strings.Contains(s, "//") || strings.Contains(s, "@{") {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c == 0x7f || strings.ContainsRune(`~^:?*[\`, c) {
			return false
		}
	}
	return true
}

// CheckRelPath reports whether p is a clean, relative, slash-separated path
// that stays inside its directory.
func CheckRelPath(p string) error {
	switch {
	case p == "" || len(p) > 1024:
		return fmt.Errorf("%q: path must be 1 to 1024 bytes", p)
	case strings.ContainsRune(p, 0) || strings.ContainsRune(p, '\\'):
		return fmt.Errorf("%q: path must not contain NUL or backslash", p)
	case path.IsAbs(p) || path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("%q: path must be relative and clean, inside the input", p)
	}
	return nil
}
