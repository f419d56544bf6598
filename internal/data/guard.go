package data

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ErrAddressRefused: an input fetch would connect to an address the
// provider's input policy refuses (see Guard).
var ErrAddressRefused = errors.New("address refused")

// ErrRedirect: an input server redirected somewhere the fetchers do not
// follow (another scheme, or too many hops).
var ErrRedirect = errors.New("redirect refused")

// MaxRedirects caps the redirects one input request follows.
const MaxRedirects = 5

// AllowHint ends every refusal: how an operator lets a host through.
const AllowHint = "provider policy --input-allow-host"

// Resolver resolves host names; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// HostPolicy says which hosts input fetches may reach. Zero fields are
// defaults: nothing allowed beyond public addresses, the system resolver,
// the host's interface addresses.
type HostPolicy struct {
	// Allow names hosts that are reached although the rules refuse them:
	// host names (matched exactly, case-insensitively, before resolving:
	// every address the name resolves to is then allowed), IP addresses
	// and CIDR prefixes (an address inside one is allowed whatever name
	// led to it).
	Allow []string
	// Resolver resolves host names (net.DefaultResolver when nil); tests
	// give their own instead of relying on real DNS.
	Resolver Resolver
	// LocalAddrs lists this host's own addresses (its interfaces'
	// addresses when nil).
	LocalAddrs func() ([]netip.Addr, error)
}

// Guard connects input fetches only to addresses its policy allows. Every
// connection is checked at dial time on the resolved addresses, so a name
// that resolves to a refused address (DNS rebinding included) and every
// redirect hop are checked too. Refused unless allowed: loopback,
// unspecified, this host's own addresses, link-local (cloud metadata at
// 169.254.169.254 included), private (RFC 1918, fc00::/7), shared
// (100.64.0.0/10), multicast, broadcast and other special-purpose ranges;
// IPv4 addresses embedded in IPv6 (mapped, NAT64, 6to4) are checked as
// IPv4. Input fetches never use a proxy: HTTP_PROXY and friends are
// ignored, since a proxy would connect on the fetch's behalf unchecked.
// A Guard is safe for concurrent use; make one per provider.
type Guard struct {
	names    map[string]bool
	prefixes []netip.Prefix
	resolver Resolver
	local    func() ([]netip.Addr, error)
	dialer   net.Dialer
	client   *http.Client
	ranges   ranges
}

// NewGuard checks the policy's Allow entries and returns its Guard.
func NewGuard(p HostPolicy) (*Guard, error) {
	g := &Guard{names: map[string]bool{}, resolver: p.Resolver, local: p.LocalAddrs, ranges: newRanges(),
		dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	if g.local == nil {
		g.local = interfaceAddrs
	}
	for _, a := range p.Allow {
		if err := g.allow(a); err != nil {
			return nil, err
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // never: a proxy would dial unchecked
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	g.client = &http.Client{Transport: tr, CheckRedirect: checkRedirect}
	return g, nil
}

// CheckAllowHost reports whether s is a valid Allow entry (for flags).
func CheckAllowHost(s string) error {
	return (&Guard{names: map[string]bool{}}).allow(s)
}

func (g *Guard) allow(s string) error {
	s = strings.TrimSpace(s)
	if pfx, err := netip.ParsePrefix(s); err == nil {
		g.prefixes = append(g.prefixes, pfx.Masked())
		return nil
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		a = a.Unmap().WithZone("")
		g.prefixes = append(g.prefixes, netip.PrefixFrom(a, a.BitLen()))
		return nil
	}
	name := strings.TrimSuffix(strings.ToLower(s), ".")
	if name == "" || strings.ContainsAny(name, "/:[]@ \t") {
		return fmt.Errorf("input allow host %q: not a host name, IP address or CIDR prefix", s)
	}
	g.names[name] = true
	return nil
}

// Client is the http.Client input fetches use: dials through the Guard,
// no proxy, at most MaxRedirects redirects, http and https only.
func (g *Guard) Client() *http.Client { return g.client }

// Transport is the Client's round tripper (to wrap, e.g. with a byte
// budget).
func (g *Guard) Transport() http.RoundTripper { return g.client.Transport }

func checkRedirect(req *http.Request, via []*http.Request) error {
	if s := req.URL.Scheme; s != "http" && s != "https" {
		return fmt.Errorf("%w: to %s: only http and https are followed", ErrRedirect, req.URL.Redacted())
	}
	if len(via) > MaxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrRedirect, MaxRedirects)
	}
	return nil
}

// DialContext resolves address's host, checks every address it resolves
// to, and connects to the first that answers. It refuses with an
// *AddrError when any address is refused.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("port %q: %w", portStr, err)
	}
	addrs, err := g.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	if !g.names[strings.TrimSuffix(strings.ToLower(host), ".")] {
		if err := g.Check(host, addrs); err != nil {
			return nil, err
		}
	}
	var firstErr error
	for _, a := range addrs {
		c, err := g.dialer.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

func (g *Guard) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	ipnet := "ip"
	switch network {
	case "tcp4":
		ipnet = "ip4"
	case "tcp6":
		ipnet = "ip6"
	}
	addrs, err := g.resolver.LookupNetIP(ctx, ipnet, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	return addrs, nil
}

// AddrError is a refused address: Host (a name or the address itself)
// led to Addr, which is Class ("loopback", "private", ...).
type AddrError struct {
	Host  string
	Addr  netip.Addr
	Class string
}

func (e *AddrError) Error() string {
	what := "address " + e.Addr.String()
	if e.Host != e.Addr.String() && e.Host != e.Addr.Unmap().String() {
		what = fmt.Sprintf("%s resolves to %s, which", e.Host, e.Addr)
	}
	why := "the provider fetches inputs from public addresses only"
	switch e.Class {
	case classLoopback, classOwn, classUnspecified:
		why = "the provider does not fetch from its own host"
	case classPrivate, classLinkLocal, classShared:
		why = "the provider does not fetch from its local network"
	}
	return fmt.Sprintf("%s is %s; %s (%s)", what, e.Class, why, AllowHint)
}

// Unwrap makes an AddrError match ErrAddressRefused.
func (e *AddrError) Unwrap() error { return ErrAddressRefused }

// Address classes an AddrError names.
const (
	classUnspecified = "unspecified"
	classLoopback    = "loopback"
	classOwn         = "one of the provider's own addresses"
	classLinkLocal   = "link-local"
	classPrivate     = "private"
	classShared      = "in the shared address space (100.64.0.0/10)"
	classMulticast   = "multicast"
	classSpecial     = "special-purpose"
)

// Check returns an *AddrError for the first of addrs (what host resolved
// to) that the policy refuses, nil when all are allowed.
func (g *Guard) Check(host string, addrs []netip.Addr) error {
	var own []netip.Addr
	ownLoaded := false
	for _, a := range addrs {
		a = a.WithZone("")
		if g.allowed(a) {
			continue
		}
		class := g.ranges.classify(a)
		if class == "" {
			if !ownLoaded {
				own, _ = g.local() // unknown interfaces: the other rules still hold
				ownLoaded = true
			}
			for _, o := range own {
				if o.Unmap().WithZone("") == a.Unmap() {
					class = classOwn
				}
			}
		}
		if class != "" {
			return &AddrError{Host: host, Addr: a, Class: class}
		}
	}
	return nil
}

func (g *Guard) allowed(a netip.Addr) bool {
	for _, p := range g.prefixes {
		if p.Contains(a) || p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// ranges are the special-purpose ranges (RFC 6890 and successors) that
// classify refuses beyond what netip names; a Guard parses them once.
type ranges struct {
	shared, nat64, nat64Local, sixToFour, siteLocal netip.Prefix
	special                                         []netip.Prefix
}

func newRanges() ranges {
	p := netip.MustParsePrefix
	return ranges{
		shared:     p("100.64.0.0/10"),
		nat64:      p("64:ff9b::/96"),
		nat64Local: p("64:ff9b:1::/48"),
		sixToFour:  p("2002::/16"),
		siteLocal:  p("fec0::/10"),
		special: []netip.Prefix{
			p("0.0.0.0/8"),       // "this network"
			p("192.0.0.0/24"),    // IETF protocol assignments
			p("198.18.0.0/15"),   // benchmarking
			p("240.0.0.0/4"),     // reserved, broadcast
			p("100::/64"),        // discard-only
			p("2001:10::/28"),    // ORCHID
			p("::/96"),           // IPv4-compatible (deprecated)
			p("::ffff:0:0:0/96"), // IPv4-translated
		},
	}
}

// classify names why a is refused, "" when it is a public address (the
// host's own addresses are checked apart).
func (r *ranges) classify(a netip.Addr) string {
	if a.Is4In6() {
		a = a.Unmap()
	}
	b := a.As16()
	switch {
	case a.Is6() && r.nat64.Contains(a):
		return r.classify(netip.AddrFrom4([4]byte(b[12:16])))
	case a.Is6() && r.sixToFour.Contains(a):
		return r.classify(netip.AddrFrom4([4]byte(b[2:6])))
	case a.IsUnspecified():
		return classUnspecified
	case a.IsLoopback():
		return classLoopback
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return classLinkLocal
	case a.IsPrivate(), r.siteLocal.Contains(a), r.nat64Local.Contains(a):
		return classPrivate
	case r.shared.Contains(a):
		return classShared
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return classMulticast
	}
	for _, p := range r.special {
		if p.Contains(a) {
			return classSpecial
		}
	}
	return ""
}

func interfaceAddrs() ([]netip.Addr, error) {
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, ia := range ifs {
		if n, ok := ia.(*net.IPNet); ok {
			if a, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, a.Unmap())
			}
		}
	}
	return out, nil
}
