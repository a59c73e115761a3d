package app

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/instance"
)

// findSocket picks the socket a client should dial: the configured one if a
// server is there, else the one named in endpoint.json of the running instance.
func findSocket(cfg config.Config) string {
	if _, err := os.Stat(cfg.Socket); err == nil {
		return cfg.Socket
	}
	if ep, err := instance.ReadEndpoint(cfg.EndpointFile()); err == nil && ep.Socket != "" {
		return ep.Socket
	}
	return cfg.Socket
}

// runningSocket is the socket of the running Hearth, or an error that says
// clearly that none runs.
func runningSocket(cfg config.Config) (string, error) {
	sock := findSocket(cfg)
	if _, err := os.Stat(sock); errors.Is(err, os.ErrNotExist) {
		return "", exitCode{code: 3, msg: fmt.Sprintf("Hearth is not running (no socket at %s). Start it with `hearth` or `hearth serve`, or point --socket / HEARTH_SOCKET at a running one.", sock)}
	}
	return sock, nil
}

// dial connects a CLI command to the running Hearth.
func dial(ctx context.Context, cfg config.Config, reconnect bool) (*client.Client, error) {
	sock, err := runningSocket(cfg)
	if err != nil {
		return nil, err
	}
	c, err := client.Dial(ctx, client.Options{Socket: sock, Reconnect: reconnect})
	if err != nil {
		return nil, exitCode{code: 3, msg: fmt.Sprintf("cannot reach Hearth at %s: %v. Is it running? Start it with `hearth serve`.", sock, err)}
	}
	return c, nil
}
