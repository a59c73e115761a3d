//go:build nodesktop

package app

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"

	"github.com/hearth-app/hearth/backend/config"
)

// runDesktop in a `nodesktop` build: no Wails, no cgo, so there is no window
// to open. The server and every CLI subcommand are the same as in the
// desktop build.
func runDesktop(context.Context, config.Config, fs.FS, *slog.Logger) error {
	return errors.New("this build of hearth has no window (built with -tags nodesktop); run \"hearth serve\" and open the printed URL in a browser")
}
