package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/hearth-app/hearth/backend/agent"
)

// maxImportBytes bounds an import body: an export carries its attachments.
const maxImportBytes = 512 << 20

func (s *Server) agentError(w http.ResponseWriter, err error) {
	var ae *agent.Error
	if errors.As(err, &ae) {
		status := http.StatusBadRequest
		if ae.Reason == "not_found" {
			status = http.StatusNotFound
		}
		httpError(w, status, ae.Reason, ae.Detail)
		return
	}
	s.log.Error("request failed", "err", err)
	httpError(w, http.StatusInternalServerError, "internal", err.Error())
}

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	doc, err := s.opts.Engine.Export(r.Context(), r.PathValue("id"))
	if err != nil {
		s.agentError(w, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, doc)
	case "md", "markdown":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write([]byte(agent.Markdown(doc)))
	default:
		httpError(w, http.StatusBadRequest, "invalid_field", "format must be json or md")
	}
}

func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	var doc agent.ExportDoc
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxImportBytes))
	if err := dec.Decode(&doc); err != nil {
		httpError(w, http.StatusBadRequest, "invalid_json", "not a Hearth chat export: "+err.Error())
		return
	}
	chat, err := s.opts.Engine.Import(r.Context(), doc)
	if err != nil {
		s.agentError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"chat": chat})
}

// handleBackup writes to a path on this machine, so only the unix socket (the
// user's own programs) may ask for it.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Dest string `json:"dest"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil || req.Dest == "" {
		httpError(w, http.StatusBadRequest, "missing_field", `body must be {"dest": "/absolute/dir"}`)
		return
	}
	n, err := s.opts.Engine.Backup(r.Context(), req.Dest)
	if err != nil {
		s.agentError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"dest": req.Dest, "media_files": n})
}
