package server

import (
	"encoding/json"
	"net/http"

	"github.com/hearth-app/hearth/backend/backup"
	"github.com/hearth-app/hearth/backend/chats"
	"github.com/hearth-app/hearth/backend/protocol"
)

// maxImportBytes bounds an import body: an export carries its attachments.
const maxImportBytes = 512 << 20

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	doc, err := s.opts.Chats.Export(r.Context(), r.PathValue("id"))
	if err != nil {
		s.httpRefusal(w, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, doc)
	case "md", "markdown":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write([]byte(chats.Markdown(doc)))
	default:
		s.httpRefusal(w, protocol.Refuse(protocol.ReasonInvalidField, "format must be json or md"))
	}
}

func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	var doc chats.ExportDoc
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxImportBytes))
	if err := dec.Decode(&doc); err != nil {
		s.httpRefusal(w, protocol.RefuseCause(protocol.ReasonInvalidJSON, err, "not a Hearth chat export: %v", err))
		return
	}
	chat, err := s.opts.Chats.Import(r.Context(), doc)
	if err != nil {
		s.httpRefusal(w, err)
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
		s.httpRefusal(w, protocol.Refuse(protocol.ReasonMissingField, `body must be {"dest": "/absolute/dir"}`))
		return
	}
	n, err := backup.Run(r.Context(), s.opts.Store, s.opts.Files, req.Dest)
	if err != nil {
		s.httpRefusal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"dest": req.Dest, "media_files": n})
}
