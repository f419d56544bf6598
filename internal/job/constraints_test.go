package job

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseConstraints(t *testing.T) {
	src := `apiVersion: deco/v1
image: alpine
constraints:
  regions: [eu-west, eu-central]
  notRegions: [us-east]
  labels: {tier: gold}
  notLabels: {spot: "true"}
  pool: farm-a
  providers: [12D3KooWA]
  minReputation: 0.8
`
	s, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Constraints
	if len(c.Regions) != 2 || c.NotRegions[0] != "us-east" || c.Labels["tier"] != "gold" || c.NotLabels["spot"] != "true" ||
		c.Pool != "farm-a" || c.Providers[0] != "12D3KooWA" || c.MinReputation != 0.8 {
		t.Fatalf("constraints %+v", c)
	}
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	// Round trip through the canonical JSON keeps them.
	back, err := Parse(Canonical(s))
	if err != nil || Digest(back) != Digest(s) {
		t.Fatalf("round trip: %v, %s", err, Canonical(back))
	}
	if _, err := Parse([]byte("apiVersion: deco/v1\nconstraints:\n  zone: x\n")); err == nil || !strings.Contains(err.Error(), "constraints.zone: unknown field") {
		t.Fatalf("unknown constraint field: %v", err)
	}
	// An unset Constraints leaves the canonical encoding (and digests) as before.
	if strings.Contains(string(Canonical(validSpec())), "constraints") {
		t.Fatalf("empty constraints encoded: %s", Canonical(validSpec()))
	}
}

func TestValidateConstraints(t *testing.T) {
	many := make([]string, MaxConstraintItems+1)
	for i := range many {
		many[i] = "r"
	}
	tests := []struct {
		name  string
		c     Constraints
		field string
	}{
		{"empty region", Constraints{Regions: []string{"eu", ""}}, "constraints.regions[1]"},
		{"too many providers", Constraints{Providers: many}, "constraints.providers"},
		{"NUL label value", Constraints{Labels: map[string]string{"k": "a\x00"}}, "constraints.labels.k"},
		{"empty label key", Constraints{NotLabels: map[string]string{"": "a"}}, "constraints.notLabels"},
		{"contradiction", Constraints{Labels: map[string]string{"k": "v"}, NotLabels: map[string]string{"k": "v"}}, "constraints.notLabels.k"},
		{"reputation above 1", Constraints{MinReputation: 1.5}, "constraints.minReputation"},
		{"reputation negative", Constraints{MinReputation: -0.1}, "constraints.minReputation"},
		{"reputation NaN", Constraints{MinReputation: math.NaN()}, "constraints.minReputation"},
		{"pool with NUL", Constraints{Pool: "a\x00"}, "constraints.pool"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := validSpec()
			s.Constraints = tc.c
			var fe FieldErrors
			if err := s.Validate(); !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != tc.field {
				t.Fatalf("got %v, want one error on %s", err, tc.field)
			}
		})
	}
	ok := validSpec()
	ok.Constraints = Constraints{Regions: []string{"eu"}, Labels: map[string]string{"k": "v"}, NotLabels: map[string]string{"k": "w"}, MinReputation: 1}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
}
