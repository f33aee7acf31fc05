package netguard_test

import (
	"net"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/netguard"
)

func TestIsLoopback(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"127.1.2.3:8080", true},
		{"::1", true},
		{"[::1]", true},
		{"[::1]:8080", true},
		{"::ffff:127.0.0.1", true},
		{"localhost", true},
		{"LOCALHOST", true},
		{"LocalHost:9000", true},
		{"localhost.", true},
		{"localhost.:80", true},
		{"http://127.0.0.1:8080/path", true},
		{"http://LOCALHOST", true},
		{"https://[::1]:8443", true},
		{"128.0.0.1", false},
		{"10.0.0.1:80", false},
		{"0.0.0.0:80", false},
		{"::", false},
		{"[::2]:80", false},
		{":8080", false},
		{"", false},
		{"localhost.example.com", false},
		{"evil-localhost", false},
		{"foo.localhost", false},
		{"localhost..", false},
		{"https://credential-locker-service.amazon.com", false},
		{"http://127.0.0.1.nip.io", false},
		{"fe80::1%lo0", false},
		{"http://%zz", false},
		{"not a host", false},
		{"[::1", false},
		{"127.0.0.1:80:90", false},
	} {
		if got := netguard.IsLoopback(tc.in); got != tc.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func FuzzIsLoopback(f *testing.F) {
	for _, s := range []string{"127.0.0.1:80", "[::1]", "localhost.", "http://x", ""} {
		f.Add(s)
	}
	// Whatever the input, adding a port to a bare host does not change the
	// verdict, and neither does spelling it as a URL.
	f.Fuzz(func(t *testing.T, s string) {
		got := netguard.IsLoopback(s)
		if strings.ContainsAny(s, ":[]/%@?# ") || s == "" {
			return
		}
		if hp := net.JoinHostPort(s, "80"); netguard.IsLoopback(hp) != got {
			t.Errorf("IsLoopback(%q) = %v but IsLoopback(%q) = %v", s, got, hp, !got)
		}
		if u := "http://" + s + "/"; netguard.IsLoopback(u) != got {
			t.Errorf("IsLoopback(%q) = %v but IsLoopback(%q) = %v", s, got, u, !got)
		}
	})
}
