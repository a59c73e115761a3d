package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hearth-app/hearth/backend/dispatch"
	"github.com/hearth-app/hearth/backend/protocol"
)

// tcpHandler guards everything on the TCP listener: Host always (DNS
// rebinding), Origin and token on everything but the static UI.
func (s *Server) tcpHandler() http.Handler {
	api := s.apiMux(false)
	ui := s.uiHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostAllowed(r.Host, s.opts.AllowRemote) {
			s.httpRefusal(w, protocol.Refuse(protocol.ReasonForbiddenHost, "Host %s is not a loopback name; open Hearth through 127.0.0.1 or localhost", r.Host))
			return
		}
		if !isAPIPath(r.URL.Path) {
			ui.ServeHTTP(w, r)
			return
		}
		origin := r.Header.Get("Origin")
		if !originAllowed(origin, r.Host, s.opts.ExtraOrigins) {
			s.httpRefusal(w, protocol.Refuse(protocol.ReasonForbiddenOrigin, "requests from origin %s are not allowed", origin))
			return
		}
		// The desktop window's page (wails://wails) calls this server cross-origin:
		// answer its preflight and let it read replies. Only allowed origins get
		// here, and the token is still required for the request itself.
		if origin != "" && r.URL.Path != "/ws" {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		if strings.HasPrefix(r.URL.Path, "/media/") && s.signedMediaOK(r) {
			api.ServeHTTP(w, r)
			return
		}
		tok, via := tokenFrom(r)
		if !tokenOK(tok, s.opts.Token) {
			s.httpRefusal(w, protocol.Refuse(protocol.ReasonUnauthorized, "missing or wrong token: use the URL printed by `hearth serve`"))
			return
		}
		if r.URL.Path == "/ws" {
			s.serveWS(w, r, via)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// unixHandler trusts the peer check of the socket; no token needed.
func (s *Server) unixHandler() http.Handler {
	api := s.apiMux(true)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ws" {
			_, via := tokenFrom(r)
			s.serveWS(w, r, via)
			return
		}
		api.ServeHTTP(w, r)
	})
}

func isAPIPath(p string) bool {
	return p == "/ws" || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/media/")
}

func (s *Server) apiMux(unix bool) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/media", s.handleUpload)
	mux.HandleFunc("GET /media/{id}", s.handleMedia)
	mux.HandleFunc("GET /api/status", s.handleStatus)
	mux.HandleFunc("GET /api/chats/{id}/export", s.handleExport)
	mux.HandleFunc("POST /api/import", s.handleImport)
	if unix {
		mux.HandleFunc("POST /api/focus", s.handleFocus)
		mux.HandleFunc("POST /api/backup", s.handleBackup)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.httpRefusal(w, protocol.Refuse(protocol.ReasonNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": s.opts.Version, "clients": s.Clients(), "protocol": 1})
}

func (s *Server) handleFocus(w http.ResponseWriter, r *http.Request) {
	if s.opts.OnFocus == nil {
		s.httpRefusal(w, protocol.Refuse(protocol.ReasonNoWindow, "this instance has no window"))
		return
	}
	s.opts.OnFocus()
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// httpRefusal is the one shape of every HTTP refusal, through the same mapper
// as the WebSocket's: a refusal with its reason's status, anything else an
// internal error whose text stays in the log.
func (s *Server) httpRefusal(w http.ResponseWriter, err error) {
	r := dispatch.Refusal(s.log, err)
	writeJSON(w, r.Status(), map[string]any{"error": map[string]string{"reason": r.Reason, "detail": r.Detail}})
}
