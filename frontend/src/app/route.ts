// The open chat in the address: `#chat=ID`. Reload opens the same chat, Back
// and Forward move between the chats opened before, and a link (`hearth open
// ID`) opens a given one. The fragment may also carry `token=`, which
// net/endpoint.ts takes and strips before this runs; other parameters are
// kept as they are.

export function chatFromHash(hash: string): string | null {
  const id = new URLSearchParams(hash.replace(/^#/, '')).get('chat');
  return id && id.trim() ? id.trim() : null;
}

/** hash with its chat set to id (or removed for null), the other parameters kept. */
export function hashWithChat(hash: string, id: string | null): string {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (id) p.set('chat', id);
  else p.delete('chat');
  const s = p.toString();
  return s ? `#${s}` : '';
}

interface Routed {
  getState(): { activeChatId: string | null };
  subscribe(l: () => void): () => void;
  openChat(id: string | null): void;
}

export interface RouteEnv {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'pushState' | 'replaceState' | 'state'>;
  addEventListener(type: 'popstate' | 'hashchange', l: () => void): void;
  removeEventListener(type: 'popstate' | 'hashchange', l: () => void): void;
}

/**
 * Keeps the address and the open chat in step: opens the chat the address
 * names, then records each chat the user opens as a history entry. The first
 * chat opened without one named (the newest, at start) replaces the entry,
 * so Back leaves the app rather than showing no chat.
 */
export function routeByHash(client: Routed, env: RouteEnv = browserRouteEnv()): () => void {
  let shown = chatFromHash(env.location.hash);
  if (shown) client.openChat(shown);
  const url = (id: string | null) => env.location.pathname + env.location.search + hashWithChat(env.location.hash, id);
  const onState = () => {
    const id = client.getState().activeChatId;
    if (id === shown) return;
    if (shown === null || id === null) env.history.replaceState(env.history.state, '', url(id));
    else env.history.pushState(null, '', url(id));
    shown = id;
  };
  const onAddress = () => {
    const id = chatFromHash(env.location.hash);
    if (!id || id === shown) return;
    shown = id;
    if (client.getState().activeChatId !== id) client.openChat(id);
  };
  const off = client.subscribe(onState);
  env.addEventListener('popstate', onAddress);
  env.addEventListener('hashchange', onAddress);
  onState();
  return () => {
    off();
    env.removeEventListener('popstate', onAddress);
    env.removeEventListener('hashchange', onAddress);
  };
}

function browserRouteEnv(): RouteEnv {
  return {
    location: window.location,
    history: window.history,
    addEventListener: (t, l) => window.addEventListener(t, l),
    removeEventListener: (t, l) => window.removeEventListener(t, l),
  };
}
