// Command hearth is a desktop companion for local agent chats: a window on your
// chats, a WebSocket + HTTP server on a unix socket and loopback TCP, a SQLite
// store, and an agent engine that streams from local LLM servers.
package main

import (
	"embed"
	"os"

	"github.com/hearth-app/hearth/app"
)

// The built web UI. A committed dist/.gitkeep keeps this compiling before the UI
// is built; the server then serves a page saying how to build it.
//
//go:embed all:frontend/dist
var ui embed.FS

func main() {
	os.Exit(app.Main(os.Args[1:], ui, os.Stdin, os.Stdout, os.Stderr))
}
