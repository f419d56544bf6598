package job

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// The image reference grammar of the distribution project
// (github.com/distribution/reference), written out by hand:
//
//	reference  := name [ ":" tag ] [ "@" digest ]
//	name       := [ domain "/" ] path-component { "/" path-component }
//	domain     := host [ ":" port ]
//	path-component := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
//	tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//	digest     := "sha256:" 64 lower-case hex digits
//
// The first component is a domain when it contains '.' or ':', is
// "localhost", or has upper-case letters (as docker decides).
var (
	pathComponentRE = lazyRE(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagRE           = lazyRE(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestRE        = lazyRE(`^sha256:[0-9a-f]{64}$`) // also result inputs' digests
	hostRE          = lazyRE(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$`)
)

// maxImageNameLen is the longest repository name (domain included).
const maxImageNameLen = 255

// CheckImageRef reports whether ref is a valid container image reference
// such as "alpine", "python:3.12-slim", "ghcr.io/org/app:v1",
// "localhost:5000/app@sha256:<hex>".
func CheckImageRef(ref string) error {
	if ref == "" {
		return errors.New("empty")
	}
	rest := ref
	if name, digest, ok := strings.Cut(rest, "@"); ok {
		if !digestRE().MatchString(digest) {
			return fmt.Errorf("digest %q must be sha256: and 64 lower-case hex digits", digest)
		}
		rest = name
	}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		tag := rest[i+1:]
		if !tagRE().MatchString(tag) {
			return fmt.Errorf("invalid tag %q", tag)
		}
		rest = rest[:i]
	}
	if rest == "" {
		return errors.New("missing repository name")
	}
	if len(rest) > maxImageNameLen {
		return fmt.Errorf("repository name longer than %d characters", maxImageNameLen)
	}
	components := strings.Split(rest, "/")
	if first := components[0]; len(components) > 1 &&
		(strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first) {
		if !hostRE().MatchString(first) {
			return fmt.Errorf("invalid registry host %q", first)
		}
		components = components[1:]
	}
	for _, c := range components {
		if !pathComponentRE().MatchString(c) {
			if strings.ToLower(c) != c {
				return fmt.Errorf("repository name component %q must be lower case", c)
			}
			return fmt.Errorf("invalid repository name component %q", c)
		}
	}
	return nil
}

// lazyRE compiles a pattern on first use, keeping regexp compilation out of
// every process's start-up (the CLI starts often).
func lazyRE(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
