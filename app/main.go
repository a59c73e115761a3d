// Package app is the composition root: it hands the command line (app/cli)
// the two ways to run Hearth, the desktop window (app/desktop) and the
// headless server, both on the backend app/assembly builds, and stamps them
// with the build's version.
package app

import (
	"context"
	"io"
	"io/fs"
	"log/slog"

	"github.com/hearth-app/hearth/app/cli"
	"github.com/hearth-app/hearth/app/desktop"
	"github.com/hearth-app/hearth/backend/config"
)

// Main runs hearth with args (without the program name) and returns the exit code.
func Main(args []string, ui fs.FS, stdin io.Reader, stdout, stderr io.Writer) int {
	sub, err := fs.Sub(ui, "frontend/dist")
	if err != nil {
		sub = ui
	}
	shells := cli.Shells{
		Window: func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
			return desktop.Run(ctx, cfg, sub, log, desktop.Build{Version: Version, Commit: Commit})
		},
		Serve: func(ctx context.Context, cfg config.Config, stdout io.Writer, log *slog.Logger) error {
			return runServe(ctx, cfg, sub, stdout, log)
		},
	}
	return cli.Run(args, cli.IO{In: stdin, Out: stdout, Err: stderr}, shells, cli.Build{Version: Version, Commit: Commit})
}
