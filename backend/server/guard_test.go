package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestTokenFrom(t *testing.T) {
	cases := []struct {
		name      string
		url       string
		headers   map[string][]string
		wantToken string
		wantProto string
	}{
		{name: "none", url: "/ws"},
		{name: "query", url: "/ws?token=q123", wantToken: "q123"},
		{name: "query among others", url: "/ws?client_id=k&token=q%2B1&chat_id=c", wantToken: "q+1"},
		{name: "empty query falls through to header", url: "/ws?token=",
			headers: map[string][]string{"Authorization": {"Bearer h1"}}, wantToken: "h1"},
		{name: "query wins over header and protocol", url: "/ws?token=q",
			headers: map[string][]string{"Authorization": {"Bearer h"}, "Sec-Websocket-Protocol": {"hearth.v1, bearer.p"}}, wantToken: "q"},
		{name: "bearer header", url: "/api/status",
			headers: map[string][]string{"Authorization": {"Bearer abc.def-123"}}, wantToken: "abc.def-123"},
		{name: "bearer header trailing space", url: "/api/status",
			headers: map[string][]string{"Authorization": {"Bearer  abc  "}}, wantToken: "abc"},
		// RFC 7235 §2.1: the auth scheme is case-insensitive.
		{name: "bearer header lower case scheme", url: "/api/status",
			headers: map[string][]string{"Authorization": {"bearer abc"}}, wantToken: "abc"},
		{name: "bearer header upper case scheme", url: "/api/status",
			headers: map[string][]string{"Authorization": {"BEARER abc"}}, wantToken: "abc"},
		{name: "basic auth is not a token", url: "/api/status",
			headers: map[string][]string{"Authorization": {"Basic dXNlcjpwYXNz"}}},
		{name: "bearer without space", url: "/api/status",
			headers: map[string][]string{"Authorization": {"Bearerabc"}}},
		{name: "header wins over protocol", url: "/ws",
			headers: map[string][]string{"Authorization": {"Bearer h"}, "Sec-Websocket-Protocol": {"bearer.p"}}, wantToken: "h"},
		{name: "subprotocol", url: "/ws",
			headers: map[string][]string{"Sec-Websocket-Protocol": {"hearth.v1, bearer.TOKEN"}}, wantToken: "TOKEN", wantProto: "bearer.TOKEN"},
		{name: "subprotocol no spaces", url: "/ws",
			headers: map[string][]string{"Sec-Websocket-Protocol": {"hearth.v1,bearer.T2"}}, wantToken: "T2", wantProto: "bearer.T2"},
		{name: "subprotocol first", url: "/ws",
			headers: map[string][]string{"Sec-Websocket-Protocol": {"bearer.T3 , hearth.v1"}}, wantToken: "T3", wantProto: "bearer.T3"},
		{name: "subprotocol in second header", url: "/ws",
			headers: map[string][]string{"Sec-Websocket-Protocol": {"hearth.v1", "bearer.T4"}}, wantToken: "T4", wantProto: "bearer.T4"},
		{name: "only hearth subprotocol", url: "/ws",
			headers: map[string][]string{"Sec-Websocket-Protocol": {"hearth.v1"}}},
		{name: "subprotocol prefix is case sensitive", url: "/ws",
			headers: map[string][]string{"Sec-Websocket-Protocol": {"hearth.v1, Bearer.T5"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+tc.url, nil)
			for k, vs := range tc.headers {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			tok, proto := tokenFrom(r)
			if tok != tc.wantToken || proto != tc.wantProto {
				t.Fatalf("tokenFrom = (%q, %q), want (%q, %q)", tok, proto, tc.wantToken, tc.wantProto)
			}
		})
	}
}

func TestTokenOK(t *testing.T) {
	const want = "s3cr3t-token-0123456789"
	cases := []struct {
		got, want string
		ok        bool
	}{
		{want, want, true},
		{"a", "a", true},
		{"", "", false},
		{"", want, false},
		{want, "", false},
		{"x", "", false},
		{want[:len(want)-1], want, false},
		{want + "0", want, false},
		{want[:len(want)-1] + "8", want, false},
		{"S3CR3T-TOKEN-0123456789", want, false},
		{" " + want, want, false},
	}
	for _, tc := range cases {
		if got := tokenOK(tc.got, tc.want); got != tc.ok {
			t.Errorf("tokenOK(%q, %q) = %v, want %v", tc.got, tc.want, got, tc.ok)
		}
	}
}

func TestHostAllowed(t *testing.T) {
	cases := []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1:1234", true},
		{"127.0.0.1", true},
		{"localhost:80", true},
		{"localhost", true},
		{"LocalHost:8080", true},
		{"[::1]:5", true},
		{"[::1]", true},
		{"::1", true},
		{"foo.localhost", true},
		{"foo.localhost:9", true},
		{"127.1.2.3", true},
		{"127.1.2.3:4", true},
		{"[::ffff:127.0.0.1]:80", true},

		{"", false},
		{"evil.example:80", false},
		{"evil.example", false},
		{"192.168.1.2", false},
		{"192.168.1.2:8080", false},
		{"10.0.0.1:80", false},
		{"0.0.0.0", false},
		{"0.0.0.0:8080", false},
		{"[::]:8080", false},
		{"evillocalhost", false},
		{"evillocalhost:80", false},
		{"localhost.evil.example", false},
		{"127.0.0.1.evil.example", false},
		{"127.0.0.1.nip.io:80", false},
		{"2130706433", false}, // 127.0.0.1 as a decimal, which ParseIP rightly refuses
		{"0x7f.0.0.1", false},
		{"[fe80::1]:80", false},
	}
	for _, tc := range cases {
		if got := hostAllowed(tc.host, false); got != tc.ok {
			t.Errorf("hostAllowed(%q, false) = %v, want %v", tc.host, got, tc.ok)
		}
		if !hostAllowed(tc.host, true) {
			t.Errorf("hostAllowed(%q, true) = false, want true (allowRemote passes everything)", tc.host)
		}
	}
}

func TestOriginAllowed(t *testing.T) {
	const host = "127.0.0.1:8080"
	cases := []struct {
		name   string
		origin string
		host   string
		extra  []string
		ok     bool
	}{
		{name: "no origin (CLI)", origin: "", ok: true},
		{name: "wails", origin: "wails://wails", ok: true},
		{name: "wails upper", origin: "WAILS://WAILS", ok: true},
		{name: "wails.localhost http", origin: "http://wails.localhost", ok: true},
		{name: "wails.localhost https", origin: "https://wails.localhost", ok: true},
		{name: "same origin", origin: "http://127.0.0.1:8080", ok: true},
		{name: "same origin https", origin: "https://127.0.0.1:8080", ok: true},
		{name: "same origin localhost", origin: "http://localhost:9000", host: "localhost:9000", ok: true},
		{name: "same origin ipv6", origin: "http://[::1]:8080", host: "[::1]:8080", ok: true},
		{name: "extra", origin: "http://localhost:5173", extra: []string{"http://localhost:5173"}, ok: true},
		{name: "extra case", origin: "HTTP://LOCALHOST:5173", extra: []string{"http://localhost:5173"}, ok: true},

		{name: "other port", origin: "http://127.0.0.1:9999", ok: false},
		{name: "no port", origin: "http://127.0.0.1", ok: false},
		{name: "other loopback name", origin: "http://localhost:8080", ok: false},
		{name: "evil https", origin: "https://evil.example", ok: false},
		{name: "evil http", origin: "http://evil.example", ok: false},
		{name: "evil with host suffix", origin: "http://127.0.0.1:8080.evil.example", ok: false},
		{name: "userinfo trick", origin: "http://127.0.0.1:8080@evil.example", ok: false},
		{name: "null", origin: "null", ok: false},
		{name: "file", origin: "file://", ok: false},
		{name: "file with host", origin: "file://127.0.0.1:8080", ok: false},
		{name: "ws scheme", origin: "ws://127.0.0.1:8080", ok: false},
		{name: "extension", origin: "chrome-extension://abcdef", ok: false},
		{name: "wails lookalike", origin: "wails://wails.evil", ok: false},
		{name: "wails.localhost lookalike", origin: "http://wails.localhost.evil.example", ok: false},
		{name: "wails.localhost other port", origin: "http://wails.localhost:1234", ok: false},
		{name: "extra not matching", origin: "http://localhost:5174", extra: []string{"http://localhost:5173"}, ok: false},
		{name: "extra empty", origin: "https://evil.example", extra: []string{""}, ok: false},
		{name: "garbage", origin: "%%%", ok: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.host
			if h == "" {
				h = host
			}
			if got := originAllowed(tc.origin, h, tc.extra); got != tc.ok {
				t.Fatalf("originAllowed(%q, %q, %q) = %v, want %v", tc.origin, h, tc.extra, got, tc.ok)
			}
		})
	}
}
