package protocol

// The UI's copy of the wire types, event and command names and reasons is
// generated from this package, so the two languages cannot disagree; a test in
// internal/tsgen fails while the committed file is stale.
//go:generate go run ./internal/tsgen -out ../../frontend/src/protocol.gen.ts
