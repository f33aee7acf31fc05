// Package netguard holds the harness's one loopback rule: load, soak and
// fault traffic, and a mock that hands out credentials, stay on 127.0.0.0/8
// or [::1] unless the user says otherwise.
package netguard

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// IsLoopback reports whether target names a loopback host: "localhost"
// (any case, with or without a trailing dot), an address in 127.0.0.0/8, or
// ::1 (an IPv4-mapped ::ffff:127.x.y.z counts as its IPv4 address). target
// may be a bare host ("127.0.0.1", "::1", "[::1]"), a host:port
// ("localhost:8080", "[::1]:80") or an absolute URL ("http://127.0.0.1:8080/x").
// Anything else, including an empty host (":8080" listens on every
// interface) or a name that merely ends in localhost, is not loopback.
func IsLoopback(target string) bool {
	host := target
	if strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			return false
		}
		host = u.Hostname()
	} else if h, _, err := net.SplitHostPort(target); err == nil {
		host = h
	}
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Zone() != "" {
		return false
	}
	return ip.Unmap().IsLoopback()
}
