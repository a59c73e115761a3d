// Command tsgen writes frontend/src/protocol.gen.ts: the TypeScript types of the
// wire structs in backend/protocol, and the event, command and reason names, so
// the UI cannot drift from the server. `go generate ./backend/protocol` runs it;
// its test fails when the committed file is not what it would write.
//
// The types come from reflection over the Go structs, read the way encoding/json
// writes (server → client) or reads (client → server) them. The output is built
// byte by byte here and formatted by nobody else, so the same Go definitions
// always give the same file.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("out", "", "file to write (the generated TypeScript)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "tsgen: -out is required")
		os.Exit(2)
	}
	b, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tsgen:", err)
		os.Exit(1)
	}
	// An unchanged file keeps its mtime, so `go generate` does not make Vite
	// or tsc -b redo work for nothing.
	if old, err := os.ReadFile(*out); err == nil && bytes.Equal(old, b) {
		return
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "tsgen:", err)
		os.Exit(1)
	}
}
