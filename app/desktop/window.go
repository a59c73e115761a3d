//go:build !bindings && !nodesktop

package desktop

// bindingsOnly is false in every build that opens a window; see
// bindings.go.
const bindingsOnly = false
