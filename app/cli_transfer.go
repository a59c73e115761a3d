package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/hearth-app/hearth/backend/config"
)

// The transfer commands use the HTTP API on the unix socket: exports can be
// large, and backup is only offered to local programs.

func exportFlags(fs *flag.FlagSet) { fs.String("format", "md", "md or json") }

func socketHTTP(cfg config.Config) (*http.Client, error) {
	sock, err := runningSocket(cfg)
	if err != nil {
		return nil, err
	}
	return unixHTTP(sock), nil
}

// call does one request and turns a refusal into its message.
func call(ctx context.Context, hc *http.Client, method, path, ctype string, body io.Reader) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://hearth"+path, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, exitCode{code: 3, msg: fmt.Sprintf("cannot reach Hearth: %v", err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Reason, Detail string } `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Detail != "" {
			return nil, exitCode{code: 1, msg: e.Error.Detail}
		}
		return nil, exitCode{code: 1, msg: resp.Status}
	}
	return b, nil
}

func runExport(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error {
	if fs.NArg() != 1 {
		return exitCode{code: 2, msg: "usage: hearth export CHAT_ID [--format md|json]"}
	}
	format := flagString(fs, "format")
	if format != "md" && format != "json" {
		return exitCode{code: 2, msg: "--format must be md or json"}
	}
	hc, err := socketHTTP(cfg)
	if err != nil {
		return err
	}
	b, err := call(ctx, hc, http.MethodGet, "/api/chats/"+url.PathEscape(fs.Arg(0))+"/export?format="+format, "", nil)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(b)
	return err
}

func runImport(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error {
	if fs.NArg() != 1 {
		return exitCode{code: 2, msg: "usage: hearth import FILE (a JSON export; - for stdin)"}
	}
	var data []byte
	var err error
	if fs.Arg(0) == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(fs.Arg(0))
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", fs.Arg(0), err)
	}
	hc, err := socketHTTP(cfg)
	if err != nil {
		return err
	}
	b, err := call(ctx, hc, http.MethodPost, "/api/import", "application/json", bytes.NewReader(data))
	if err != nil {
		return err
	}
	var out struct {
		Chat struct{ ID, Title string } `json:"chat"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("unexpected reply: %w", err)
	}
	fmt.Fprintf(e.stdout, "%s\t%s\n", out.Chat.ID, out.Chat.Title)
	return nil
}

func runBackup(ctx context.Context, e env, cfg config.Config, fs *flag.FlagSet, log *slog.Logger) error {
	if fs.NArg() != 1 {
		return exitCode{code: 2, msg: "usage: hearth backup DEST_DIR"}
	}
	dest, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	hc, err := socketHTTP(cfg)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"dest": dest})
	b, err := call(ctx, hc, http.MethodPost, "/api/backup", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	var out struct {
		MediaFiles int `json:"media_files"`
	}
	_ = json.Unmarshal(b, &out)
	fmt.Fprintf(e.stdout, "backed up the database and %d media files to %s\n", out.MediaFiles, dest)
	return nil
}
