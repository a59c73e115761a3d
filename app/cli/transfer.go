package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hearth-app/hearth/backend/config"
	"github.com/hearth-app/hearth/backend/protocol"
)

// The transfer commands use the HTTP API on the unix socket: exports can be
// large, and backup is only offered to local programs.

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
		return nil, exit{code: exitNotRunning, msg: fmt.Sprintf("cannot reach Hearth: %v", err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read the reply to %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Reason, Detail string } `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Detail != "" {
			return nil, refusal(protocol.Refuse(e.Error.Reason, "%s", e.Error.Detail))
		}
		return nil, exit{code: 1, msg: resp.Status}
	}
	return b, nil
}

func (h *hearth) exportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:               "export ID [--format md|json]",
		Short:             "write one chat to stdout",
		Long:              "Writes one chat to stdout: Markdown to read, or JSON (with attachments and reasoning) that hearth import brings back.",
		Example:           "  hearth export c3x… --format json > chat.json",
		GroupID:           groupMove,
		Args:              exactArgs(1),
		ValidArgsFunction: h.completeChatArg,
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
			return h.runExport(ctx, cfg, args[0], format)
		}),
	}
	cmd.Flags().StringVar(&format, "format", "md", "md or json")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"md", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (h *hearth) runExport(ctx context.Context, cfg config.Config, chatID, format string) error {
	if format != "md" && format != "json" {
		return usage("--format must be md or json")
	}
	hc, err := socketHTTP(cfg)
	if err != nil {
		return err
	}
	b, err := call(ctx, hc, http.MethodGet, "/api/chats/"+url.PathEscape(chatID)+"/export?format="+format, "", nil)
	if err != nil {
		return err
	}
	_, err = h.io.Out.Write(b)
	return err
}

func (h *hearth) importCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "import FILE",
		Short:   "bring back a chat exported as JSON (- reads stdin)",
		GroupID: groupMove,
		Args:    exactArgs(1),
		// Files: cobra's default completion.
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
			return h.runImport(ctx, cfg, args[0])
		}),
	}
}

func (h *hearth) runImport(ctx context.Context, cfg config.Config, file string) error {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(h.io.In)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
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
	fmt.Fprintf(h.io.Out, "%s\t%s\n", out.Chat.ID, out.Chat.Title)
	return nil
}

func (h *hearth) backupCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "backup DEST",
		Short:   "consistent copy of the database and media, while running",
		Long:    "Copies the database and the media into DEST, a new or empty directory, while Hearth runs; the copy is consistent.",
		GroupID: groupMove,
		Args:    exactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
		RunE: h.action(func(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
			return h.runBackup(ctx, cfg, args[0])
		}),
	}
}

func (h *hearth) runBackup(ctx context.Context, cfg config.Config, dir string) error {
	dest, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("backup destination %s: %w", dir, err)
	}
	hc, err := socketHTTP(cfg)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]string{"dest": dest})
	if err != nil {
		return fmt.Errorf("encode the backup request: %w", err)
	}
	b, err := call(ctx, hc, http.MethodPost, "/api/backup", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	var out struct {
		MediaFiles int `json:"media_files"`
	}
	_ = json.Unmarshal(b, &out)
	fmt.Fprintf(h.io.Out, "backed up the database and %d media files to %s\n", out.MediaFiles, dest)
	return nil
}
