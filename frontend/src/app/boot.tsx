// Mounting the page: render first, connect once that render is on screen.
//
// The order matters on a loaded machine. The first render of the app is the
// most expensive thing the page does before it is usable (hundreds of
// milliseconds in WebKitGTK, seconds under load), and a socket opened before
// it is accepted by the server at once while its `open` event waits behind
// that render and the first paint, which necessarily shows the initial
// "connecting" state. The server then holds a live connection for as long as
// the window says it is still connecting. Rendered first, the main thread is
// free when the socket opens, and its `open` is handled as soon as it arrives.

import { StrictMode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import { App } from '../components/App';
import type { HearthClient } from './client';
import { ClientContext } from './hooks';

/** Calls `cb` after the next frame has been painted (or after `fallbackMs` where frames never come). */
export function afterFirstPaint(cb: () => void, fallbackMs = 250): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    cb();
  };
  // rAF runs just before a paint; a task queued from there runs after it.
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(run, 0));
  // A hidden window or tab paints no frames.
  setTimeout(run, fallbackMs);
}

/**
 * Renders the app into `container` synchronously, then starts the client's
 * connection once that first render has been painted. The client lives
 * outside React, so StrictMode's double effects cannot open a second socket.
 */
export function mountApp(container: HTMLElement, client: HearthClient, whenPainted: (cb: () => void) => void = afterFirstPaint): Root {
  const root = createRoot(container);
  flushSync(() => {
    root.render(
      <StrictMode>
        <ClientContext.Provider value={client}>
          <App />
        </ClientContext.Provider>
      </StrictMode>,
    );
  });
  whenPainted(() => client.start());
  return root;
}
