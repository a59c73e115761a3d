package app

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"time"

	"github.com/hearth-app/hearth/app/assembly"
	"github.com/hearth-app/hearth/backend/config"
)

// runServe is `hearth serve`: the backend without a window. Its one stdout line
// tells scripts and tests where it listens.
func runServe(ctx context.Context, cfg config.Config, ui fs.FS, stdout io.Writer, log *slog.Logger) error {
	b, err := assembly.Start(ctx, cfg, ui, log, assembly.Options{Version: Version})
	if err != nil {
		return err
	}
	line, _ := json.Marshal(struct {
		Event  string `json:"event"`
		URL    string `json:"url"`
		WS     string `json:"ws"`
		Socket string `json:"socket"`
		Token  string `json:"token"`
		UI     string `json:"ui"`
		// MovedFrom tells whoever reads the line that pages open on the
		// last run's address will not find this one.
		MovedFrom string `json:"moved_from,omitempty"`
	}{"listening", b.URL, b.WS, b.Socket, b.Token, b.UIURL(), b.MovedFrom})
	if _, err := stdout.Write(append(line, '\n')); err != nil {
		log.Warn("could not print the listening line", "err", err)
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return b.Shutdown(sctx)
}
