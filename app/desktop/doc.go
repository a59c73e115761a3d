// Package desktop is Hearth's window: the desktop shell around the backend
// that app/assembly builds. It is the only code that imports Wails, behind
// the !nodesktop build tag; a nodesktop build (no cgo) keeps the same Run,
// which says there is no window.
package desktop

// Build is what the build stamped into the binary: the About text shows it
// and the backend sends the version to clients.
type Build struct {
	Version, Commit string
}
