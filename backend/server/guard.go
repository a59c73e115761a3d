package server

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The checks below are pure functions of a request's headers so they can be
// table-tested; the handlers only call them.

// tokenFrom finds the token a request presents: ?token=, Authorization: Bearer,
// or a WebSocket subprotocol "bearer.<token>" (browsers cannot set headers on a
// WebSocket). It returns the subprotocol carrying it, if that is where it was.
func tokenFrom(r *http.Request) (token, viaProtocol string) {
	if t := r.URL.Query().Get("token"); t != "" {
		return t, ""
	}
	if h := r.Header.Get("Authorization"); len(h) > len("Bearer ") && strings.EqualFold(h[:len("Bearer ")], "Bearer ") {
		// The auth scheme is case-insensitive (RFC 7235).
		return strings.TrimSpace(h[len("Bearer "):]), ""
	}
	for _, p := range websocketProtocols(r) {
		if t, ok := strings.CutPrefix(p, "bearer."); ok {
			return t, p
		}
	}
	return "", ""
}

func websocketProtocols(r *http.Request) []string {
	var out []string
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// tokenOK compares in constant time.
func tokenOK(got, want string) bool {
	if want == "" || got == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// hostAllowed is the DNS-rebinding defence: a page on evil.example that resolves
// its name to 127.0.0.1 still sends Host: evil.example.
func hostAllowed(host string, allowRemote bool) bool {
	if allowRemote {
		return true
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.EqualFold(h, "localhost") || strings.HasSuffix(strings.ToLower(h), ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// appOrigins are the origins of the desktop window's web view.
func appOrigins() []string {
	return []string{"wails://wails", "http://wails.localhost", "https://wails.localhost"}
}

// originAllowed is the cross-site WebSocket hijacking defence: a browser always
// sends Origin, and only our own pages may talk to us. Programs that send no
// Origin (CLI, scripts) are let through; they still need the token.
func originAllowed(origin, host string, extra []string) bool {
	if origin == "" {
		return true
	}
	for _, o := range appOrigins() {
		if strings.EqualFold(origin, o) {
			return true
		}
	}
	for _, o := range extra {
		if strings.EqualFold(origin, o) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, host)
}
