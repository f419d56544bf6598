package data

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDNS resolves the names it holds and nothing else.
type fakeDNS map[string][]string

func (f fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ss, ok := f[strings.ToLower(host)]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

// loopbackGuard allows loopback: for tests that serve inputs from
// httptest servers.
func loopbackGuard(t testing.TB) *Guard {
	t.Helper()
	g, err := NewGuard(HostPolicy{Allow: []string{"127.0.0.0/8", "::1"}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func newGuard(t testing.TB, p HostPolicy) *Guard {
	t.Helper()
	g, err := NewGuard(p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// port is the port of a test server's URL.
func port(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// TestFetchURLRefusesLocalAddresses: inputs that point at the provider's
// own host or its local network are refused before any connection, with
// an error that says why and how to allow the host.
func TestFetchURLRefusesLocalAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "secret metrics")
	}))
	defer srv.Close()
	p := port(t, srv.URL)
	dns := fakeDNS{
		"localhost":        {"127.0.0.1", "::1"},
		"rebind.example":   {"127.0.0.1"},
		"mixed.example":    {"203.0.113.9", "127.0.0.1"},
		"metadata.example": {"169.254.169.254"},
		"mapped.example":   {"::ffff:127.0.0.1"},
	}
	policy := HostPolicy{Resolver: dns, LocalAddrs: func() ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("203.0.113.7")}, nil
	}}
	g := newGuard(t, policy)
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"loopback address", "http://127.0.0.1:" + p + "/metrics",
			"fetch http://127.0.0.1:" + p + "/metrics: address 127.0.0.1 is loopback; the provider does not fetch from its own host (provider policy --input-allow-host)"},
		{"other loopback address", "http://127.1.2.3:" + p + "/", "address 127.1.2.3 is loopback"},
		{"localhost", "http://localhost:" + p + "/metrics", "localhost resolves to 127.0.0.1, which is loopback"},
		{"ipv6 loopback", "http://[::1]:" + p + "/", "address ::1 is loopback"},
		{"ipv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + p + "/", "is loopback"},
		{"name mapped to loopback", "http://mapped.example:" + p + "/", "mapped.example resolves to ::ffff:127.0.0.1, which is loopback"},
		{"nat64 loopback", "http://[64:ff9b::7f00:1]:" + p + "/", "is loopback"},
		{"6to4 loopback", "http://[2002:7f00:1::]:" + p + "/", "is loopback"},
		{"name resolving to loopback", "http://rebind.example:" + p + "/", "rebind.example resolves to 127.0.0.1, which is loopback"},
		{"one of the addresses loopback", "http://mixed.example:" + p + "/", "mixed.example resolves to 127.0.0.1, which is loopback"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is link-local; the provider does not fetch from its local network"},
		{"name of cloud metadata", "http://metadata.example/", "resolves to 169.254.169.254, which is link-local"},
		{"ipv6 link-local", "http://[fe80::1]/", "address fe80::1 is link-local"},
		{"unspecified", "http://0.0.0.0:" + p + "/", "address 0.0.0.0 is unspecified; the provider does not fetch from its own host"},
		{"ipv6 unspecified", "http://[::]:" + p + "/", "address :: is unspecified"},
		{"this network", "http://0.1.2.3/", "address 0.1.2.3 is special-purpose"},
		{"own address", "http://203.0.113.7/", "address 203.0.113.7 is one of the provider's own addresses; the provider does not fetch from its own host"},
		{"private 10/8", "http://10.0.0.5/", "address 10.0.0.5 is private; the provider does not fetch from its local network"},
		{"private 172.16/12", "http://172.17.0.1/", "address 172.17.0.1 is private"},
		{"private 192.168/16", "http://192.168.1.1/", "address 192.168.1.1 is private"},
		{"ipv6 unique local", "http://[fd00::1]/", "address fd00::1 is private"},
		{"shared address space", "http://100.64.0.1/", "address 100.64.0.1 is in the shared address space"},
		{"multicast", "http://239.1.2.3/", "address 239.1.2.3 is multicast"},
		{"broadcast", "http://255.255.255.255/", "address 255.255.255.255 is special-purpose"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "f")
			_, err := FetchURL(context.Background(), URLFetch{URL: tc.url, MaxBytes: 1 << 20, Guard: g}, dest)
			if !errors.Is(err, ErrAddressRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %v containing %q", err, ErrAddressRefused, tc.want)
			}
			if strings.Contains(err.Error(), "dial tcp") || strings.Contains(err.Error(), "Get \"") {
				t.Errorf("error keeps the http client's wrapping: %v", err)
			}
			if _, serr := os.Stat(dest); !os.IsNotExist(serr) {
				t.Fatal("a refused fetch left its file")
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server was reached %d times", n)
	}
}

// TestFetchURLRefusesOwnInterfaceAddress uses this host's real interfaces:
// a non-loopback address of its own is refused like loopback.
func TestFetchURLRefusesOwnInterfaceAddress(t *testing.T) {
	addrs, err := interfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var own netip.Addr
	for _, a := range addrs {
		if a.Is4() && !a.IsLoopback() {
			own = a
			break
		}
	}
	if !own.IsValid() {
		t.Skip("this host has no non-loopback IPv4 address")
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(own, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "x") }))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	// Allowing the private ranges leaves the own-address rule to refuse.
	g := newGuard(t, HostPolicy{Allow: []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"}})
	_, err = FetchURL(context.Background(), URLFetch{URL: srv.URL, MaxBytes: 1 << 20, Guard: g}, filepath.Join(t.TempDir(), "f"))
	if !errors.Is(err, ErrAddressRefused) || !strings.Contains(err.Error(), "address "+own.String()+" is ") {
		t.Fatalf("got %v, want %s refused", err, own)
	}
}

// TestFetchURLAllowHosts: hosts the policy names are fetched from, by
// name, address or prefix; a redirect from an allowed host to a refused
// one is refused at the hop.
func TestFetchURLAllowHosts(t *testing.T) {
	body := []byte("dataset\n")
	var secretHits atomic.Int32
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secretHits.Add(1)
		fmt.Fprint(w, "secret")
	}))
	defer secret.Close()
	var hops atomic.Int32
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/data":
			w.Write(body)
		case "/to-data":
			http.Redirect(w, r, "/data", http.StatusFound)
		case "/to-secret":
			http.Redirect(w, r, secret.URL+"/metrics", http.StatusFound)
		case "/to-secret-by-name":
			http.Redirect(w, r, "http://localhost:"+port(t, secret.URL)+"/metrics", http.StatusFound)
		case "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/to-gopher":
			http.Redirect(w, r, "gopher://files.example/", http.StatusFound)
		case "/loop":
			hops.Add(1)
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	defer files.Close()
	fp := port(t, files.URL)
	dns := fakeDNS{"files.example": {"127.0.0.1"}, "localhost": {"127.0.0.1"}, "other.example": {"127.0.0.1"}}
	tests := []struct {
		name    string
		allow   []string
		url     string
		wantErr error
		want    string
	}{
		{name: "allowed by name", allow: []string{"files.example"}, url: "http://files.example:" + fp + "/data"},
		{name: "allowed name case-insensitive", allow: []string{"Files.Example."}, url: "http://FILES.example:" + fp + "/data"},
		{name: "allowed by address", allow: []string{"127.0.0.1"}, url: files.URL + "/data"},
		{name: "allowed by prefix", allow: []string{"127.0.0.0/8"}, url: "http://other.example:" + fp + "/data"},
		{name: "redirect within the allowed host", allow: []string{"files.example"}, url: "http://files.example:" + fp + "/to-data"},
		{name: "name allowed, address not", allow: []string{"files.example"}, url: files.URL + "/data",
			wantErr: ErrAddressRefused, want: "address 127.0.0.1 is loopback"},
		{name: "another name for the same address", allow: []string{"files.example"}, url: "http://other.example:" + fp + "/data",
			wantErr: ErrAddressRefused, want: "other.example resolves to 127.0.0.1, which is loopback"},
		{name: "redirect to loopback", allow: []string{"files.example"}, url: "http://files.example:" + fp + "/to-secret",
			wantErr: ErrAddressRefused, want: "address 127.0.0.1 is loopback"},
		{name: "redirect to localhost", allow: []string{"files.example"}, url: "http://files.example:" + fp + "/to-secret-by-name",
			wantErr: ErrAddressRefused, want: "localhost resolves to 127.0.0.1, which is loopback"},
		{name: "redirect to file", allow: []string{"files.example"}, url: "http://files.example:" + fp + "/to-file",
			wantErr: ErrRedirect, want: "redirect refused: to file:///etc/passwd: only http and https are followed"},
		{name: "redirect to gopher", allow: []string{"files.example"}, url: "http://files.example:" + fp + "/to-gopher",
			wantErr: ErrRedirect, want: "only http and https"},
		{name: "redirect loop", allow: []string{"files.example"}, url: "http://files.example:" + fp + "/loop",
			wantErr: ErrRedirect, want: fmt.Sprintf("more than %d redirects", MaxRedirects)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hops.Store(0)
			g := newGuard(t, HostPolicy{Allow: tc.allow, Resolver: dns})
			dest := filepath.Join(t.TempDir(), "f")
			_, err := FetchURL(context.Background(), URLFetch{URL: tc.url, SHA256: sha(body), MaxBytes: 1 << 20, Guard: g}, dest)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := os.ReadFile(dest); !bytes.Equal(got, body) {
					t.Fatalf("got %q", got)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %v containing %q", err, tc.wantErr, tc.want)
			}
			if h := hops.Load(); h > MaxRedirects+1 {
				t.Fatalf("followed %d hops", h)
			}
		})
	}
	if n := secretHits.Load(); n != 0 {
		t.Fatalf("the refused server was reached %d times", n)
	}
}

func TestNewGuardRefusesBadAllowEntries(t *testing.T) {
	for _, s := range []string{"", "http://x", "a/b/c", "10.0.0.0/33", "user@host", "host:80"} {
		if _, err := NewGuard(HostPolicy{Allow: []string{s}}); err == nil {
			t.Errorf("allow %q accepted", s)
		}
		if err := CheckAllowHost(s); err == nil {
			t.Errorf("CheckAllowHost(%q) accepted", s)
		}
	}
	for _, s := range []string{"files.example", "127.0.0.1", "::1", "[::1]", "10.0.0.0/8", "fd00::/8"} {
		if err := CheckAllowHost(s); err != nil {
			t.Errorf("CheckAllowHost(%q): %v", s, err)
		}
	}
}

// TestGuardUsesNoProxy: the proxy settings of the environment would let a
// proxy connect on the fetch's behalf, past the dial-time check.
func TestGuardUsesNoProxy(t *testing.T) {
	tr, ok := newGuard(t, HostPolicy{}).Transport().(*http.Transport)
	if !ok {
		t.Fatal("the guard's transport is not an *http.Transport")
	}
	if tr.Proxy != nil {
		t.Fatal("input fetches would go through a proxy")
	}
}

// TestGuardPublicAddressesPass: the rules refuse what is local, not the
// internet.
func TestGuardPublicAddressesPass(t *testing.T) {
	g := newGuard(t, HostPolicy{LocalAddrs: func() ([]netip.Addr, error) { return nil, nil }})
	for _, s := range []string{"93.184.216.34", "8.8.8.8", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1"} {
		if err := g.Check(s, []netip.Addr{netip.MustParseAddr(s)}); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
	}
}

// TestFetchURLGzipBomb: a small gzip body that inflates far past the cap
// is cut off at the cap while it streams: the fetcher stops reading, so
// the server cannot send the rest and the disk never holds more than the
// cap.
func TestFetchURLGzipBomb(t *testing.T) {
	var member bytes.Buffer // 16 MiB of zeros, about 16 KiB compressed
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 16<<20))
	zw.Close()
	const members = 1024 // 16 GiB inflated, 16 MiB sent
	var sent atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		for i := 0; i < members; i++ {
			if _, err := w.Write(member.Bytes()); err != nil {
				return
			}
			sent.Add(1)
		}
	}))
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "f")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := FetchURL(ctx, URLFetch{URL: srv.URL, MaxBytes: 1 << 20, Guard: loopbackGuard(t)}, dest)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want %v", err, ErrTooLarge)
	}
	srv.CloseClientConnections()
	if n := sent.Load(); n >= members {
		t.Fatalf("the whole bomb was read (%d members)", n)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Fatal("the refused download was left behind")
	}
}
