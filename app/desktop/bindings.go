//go:build bindings && !nodesktop

package desktop

// bindingsOnly: `wails build` compiles main() with the bindings tag
// and runs it headless just to write the TypeScript bindings; wails.Run then
// opens no window, so the display and single-instance checks must not stop it.
const bindingsOnly = true
