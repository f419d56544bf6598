package store

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// TestServiceRegistrationsSurviveReopen: registrations are kept across a
// reopen of the database, a second put of one name replaces it, and a
// delete forgets it (and says whether it was there).
func TestServiceRegistrationsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	at := time.Unix(1700000000, 5).UTC()
	echo := ServiceRegistration{Name: "echo", Type: "http", Price: 7, Verification: "signature", Endpoint: "http://127.0.0.1:9/", AddedAt: at}
	llm := ServiceRegistration{Name: "llm", Type: "http", Price: 1, UnitPrice: 2, MaxUnits: 1 << 32, Verification: "replicate",
		Endpoint: "/v1", Job: "job-1", Port: "http", AddedAt: at}
	for _, r := range []ServiceRegistration{llm, echo, {Name: "echo", Type: "http", Price: 99, Verification: "none", AddedAt: at}, echo} {
		if err := s.PutServiceRegistration(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.ServiceRegistrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []ServiceRegistration{echo, llm}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen\n got %+v\nwant %+v", got, want)
	}
	for _, c := range []struct {
		name string
		was  bool
	}{{"echo", true}, {"echo", false}, {"none", false}} {
		was, err := s.DeleteServiceRegistration(ctx, c.name)
		if err != nil || was != c.was {
			t.Fatalf("delete %s: %v %v, want %v", c.name, was, err, c.was)
		}
	}
	if got, err = s.ServiceRegistrations(ctx); err != nil || !reflect.DeepEqual(got, []ServiceRegistration{llm}) {
		t.Fatalf("after delete: %+v %v", got, err)
	}
	if err := s.PutServiceRegistration(ctx, ServiceRegistration{Name: "big", MaxUnits: 1 << 63}); err == nil {
		t.Fatal("maxUnits out of range kept")
	}
}
