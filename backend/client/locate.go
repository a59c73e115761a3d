package client

import (
	"context"
	"net"
	"net/http"
	"os"

	"github.com/hearth-app/hearth/backend/instance"
)

// FindSocket picks the socket a client should dial: the configured one if a
// server is there, else the one named in the running instance's endpoint file,
// which is how a client finds a Hearth started with another --socket.
func FindSocket(configured, endpointFile string) string {
	if _, err := os.Stat(configured); err == nil {
		return configured
	}
	if ep, err := instance.ReadEndpoint(endpointFile); err == nil && ep.Socket != "" {
		return ep.Socket
	}
	return configured
}

// UnixHTTP is an HTTP client whose every request goes to the unix socket
// sock, whatever the URL's host: the socket needs no token, so local
// programs use the HTTP API through it too.
func UnixHTTP(sock string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
}
