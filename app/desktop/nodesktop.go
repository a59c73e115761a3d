//go:build nodesktop

package desktop

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"

	"github.com/hearth-app/hearth/backend/config"
)

// Run in a `nodesktop` build: no Wails, no cgo, so there is no window
// to open. The server and every CLI subcommand are the same as in the
// desktop build.
func Run(context.Context, config.Config, fs.FS, *slog.Logger, Build) error {
	return errors.New("this build of hearth has no window (built with -tags nodesktop); run \"hearth serve\" and open the printed URL in a browser")
}
