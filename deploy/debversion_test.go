package deploy

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// debianVersion is what dpkg accepts as an upstream version without a
// revision: a digit first, then alphanumerics and . + ~.
var debianVersion = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)

// TestDebVersionFromGitDescribe turns git describe's forms into Debian
// versions that sort as the commits do.
func TestDebVersionFromGitDescribe(t *testing.T) {
	tests := []struct{ name, describe, want string }{
		{"tag", "v1.2.3", "1.2.3"},
		{"tag without v", "0.4", "0.4"},
		{"after a tag", "v1.2.3-14-gabc1234", "1.2.3+14.gabc1234"},
		{"after a tag, dirty", "v1.2.3-14-gabc1234-dirty", "1.2.3+14.gabc1234.dirty"},
		{"odd tag", "release/2024-x", "0.0.0+release.2024.x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := exec.Command("./deb-version.sh", tc.describe).Output()
			got := strings.TrimSpace(string(out))
			if err != nil || got != tc.want {
				t.Fatalf("deb-version.sh %s = %q, %v; want %q", tc.describe, got, err, tc.want)
			}
		})
	}
	// No tag: the commit count keeps later commits sorting later.
	for _, d := range []string{"abc1234", "abc1234-dirty", ""} {
		args := []string{}
		if d != "" {
			args = append(args, d)
		}
		out, err := exec.Command("./deb-version.sh", args...).Output()
		got := strings.TrimSpace(string(out))
		if err != nil || !debianVersion.MatchString(got) {
			t.Fatalf("deb-version.sh %q = %q, %v: not a Debian version", d, got, err)
		}
		if d != "" && !regexp.MustCompile(`^0\.0\.0\+[0-9]+\.g`+strings.TrimSuffix(d, "-dirty")).MatchString(got) {
			t.Fatalf("deb-version.sh %q = %q, want 0.0.0+<commits>.g<hash>", d, got)
		}
	}
}
