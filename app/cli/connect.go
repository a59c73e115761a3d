package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/hearth-app/hearth/backend/client"
	"github.com/hearth-app/hearth/backend/config"
)

// Exit status of a command that finds no running Hearth, so that scripts can
// tell "start it first" from a failed command.
const exitNotRunning = 3

// runningSocket is the socket of the running Hearth, or an error that says
// clearly that none runs.
func runningSocket(cfg config.Config) (string, error) {
	sock := client.FindSocket(cfg.Socket, cfg.EndpointFile())
	if _, err := os.Stat(sock); errors.Is(err, os.ErrNotExist) {
		return "", exit{code: exitNotRunning, msg: fmt.Sprintf("Hearth is not running (no socket at %s). Start it with `hearth` or `hearth serve`, or point --socket / HEARTH_SOCKET at a running one.", sock)}
	}
	return sock, nil
}

// dial connects a command to the running Hearth. reconnect is for commands
// that follow a chat: they come back after a restart and resume.
func dial(ctx context.Context, cfg config.Config, reconnect bool) (*client.Client, error) {
	sock, err := runningSocket(cfg)
	if err != nil {
		return nil, err
	}
	c, err := client.Dial(ctx, client.Options{Socket: sock, Reconnect: reconnect})
	if err != nil {
		return nil, exit{code: exitNotRunning, msg: fmt.Sprintf("cannot reach Hearth at %s: %v. Is it running? Start it with `hearth serve`.", sock, err)}
	}
	return c, nil
}

// socketHTTP is for the commands that use the HTTP API on the unix socket.
func socketHTTP(cfg config.Config) (*http.Client, error) {
	sock, err := runningSocket(cfg)
	if err != nil {
		return nil, err
	}
	return client.UnixHTTP(sock), nil
}

// pump reads the connection's events on its own goroutine, so a command can
// wait for an event, a signal and a timer in one select; the first read error
// ends it. stop lets the goroutine go when the command is done.
func pump(conn context.Context, c *client.Client) (events <-chan client.Event, errs <-chan error, stop func()) {
	evs := make(chan client.Event)
	errc := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		for {
			ev, err := c.Next(conn)
			if err != nil {
				errc <- err
				return
			}
			select {
			case evs <- ev:
			case <-done:
				return
			}
		}
	}()
	return evs, errc, func() { close(done) }
}
