// Package app is the composition root: it builds the backend from its parts
// and hands the command line (package app/cli) the two ways to run it, the
// desktop window and the headless server.
package app

import (
	"context"
	"io"
	"io/fs"
	"log/slog"

	"github.com/hearth-app/hearth/app/cli"
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
			return runDesktop(ctx, cfg, sub, log)
		},
		Serve: func(ctx context.Context, cfg config.Config, stdout io.Writer, log *slog.Logger) error {
			return runServe(ctx, cfg, sub, stdout, log)
		},
	}
	return cli.Run(args, cli.IO{In: stdin, Out: stdout, Err: stderr}, shells, cli.Build{Version: Version, Commit: Commit})
}
