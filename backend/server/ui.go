package server

import (
	"io/fs"
	"net/http"
)

// csp keeps model output inert even if a sanitiser ever missed something: no
// inline or foreign scripts, no frames, nothing loaded from other hosts.
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func (s *Server) uiHandler() http.Handler {
	files := s.opts.UI
	if files != nil {
		if _, err := fs.Stat(files, "index.html"); err != nil {
			files = nil
		}
	}
	var inner http.Handler
	if files == nil {
		inner = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(NoUIPage))
		})
	} else {
		inner = http.FileServerFS(files)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if r.URL.Path == "/" || r.URL.Path == "/index.html" {
			h.Set("Cache-Control", "no-cache")
		}
		inner.ServeHTTP(w, r)
	})
}

// NoUIPage is what a binary built without the web UI shows, in a browser and
// in the desktop window alike.
const NoUIPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hearth — UI not built</title>
<style>:root{color-scheme:light dark}html{background:#fbfaf8;color:#1f1d1a;font:16px/1.5 system-ui,sans-serif}body{max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#8882;padding:.1em .3em;border-radius:4px}@media (prefers-color-scheme:dark){html{background:#1a1917;color:#ece9e4}}</style>
</head><body>
<h1>Hearth is running</h1>
<p>This binary was built without the web UI (<code>frontend/dist</code> was empty at build time).</p>
<p>Build the UI and the binary again with <code>make run</code>, or by hand:</p>
<pre><code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build &amp;&amp; cd ..
go build -tags nodesktop .</code></pre>
<p>The backend works meanwhile: <code>hearth chat</code> and the other commands, and the WebSocket API at <code>/ws</code>.</p>
</body></html>
`
