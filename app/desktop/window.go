//go:build !bindings && !nodesktop

package app

// desktopBindingsOnly is false in every build that opens a window; see
// desktop_bindings.go.
const desktopBindingsOnly = false
