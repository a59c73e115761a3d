// Where the Hearth server is and how to prove we may talk to it.
//
// Desktop window: the Go side exposes a Wails binding,
//   window.go.desktop.Bridge.Endpoint() → {url, ws, token}.
// Browser: the page is served by the server itself; `hearth serve` prints a
// link with `#token=…`, which we keep in sessionStorage and strip from the
// address bar.

export interface Endpoint {
  /** HTTP base URL with a trailing slash, e.g. http://127.0.0.1:1234/ */
  http: string;
  /** WebSocket URL without the token, e.g. ws://127.0.0.1:1234/ws */
  ws: string;
  token: string;
  desktop: boolean;
}

interface DesktopEndpoint {
  url: string;
  ws: string;
  token: string;
}

interface WailsWindow {
  go?: { desktop?: { Bridge?: { Endpoint?: () => Promise<DesktopEndpoint> } } };
}

export const TOKEN_KEY = 'hearth.token';

export interface EndpointEnv {
  location: Pick<Location, 'href' | 'hash' | 'protocol' | 'host' | 'hostname' | 'origin' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState' | 'state'>;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  win: WailsWindow;
  sleep: (ms: number) => Promise<void>;
}

export function isDesktopOrigin(loc: EndpointEnv['location']): boolean {
  return loc.protocol === 'wails:' || loc.hostname === 'wails.localhost';
}

/** Reads `#token=` from the address, stores it, and removes it from the address bar. */
export function takeTokenFromFragment(env: EndpointEnv): string | null {
  const hash = env.location.hash.replace(/^#/, '');
  if (!hash) return null;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  if (!token) return null;
  env.storage.setItem(TOKEN_KEY, token);
  params.delete('token');
  const rest = params.toString();
  env.history.replaceState(env.history.state, '', env.location.pathname + env.location.search + (rest ? `#${rest}` : ''));
  return token;
}

async function waitForDesktop(env: EndpointEnv, ms: number): Promise<DesktopEndpoint | null> {
  const deadline = ms / 50;
  for (let i = 0; i <= deadline; i++) {
    const fn = env.win.go?.desktop?.Bridge?.Endpoint;
    if (typeof fn === 'function') return fn();
    await env.sleep(50);
  }
  return null;
}

function fromDesktop(d: DesktopEndpoint): Endpoint {
  const http = d.url.endsWith('/') ? d.url : `${d.url}/`;
  return { http, ws: d.ws, token: d.token, desktop: true };
}

export async function resolveEndpoint(env: EndpointEnv): Promise<Endpoint | null> {
  const fragmentToken = takeTokenFromFragment(env);
  const loc = env.location;
  if (!fragmentToken && isDesktopOrigin(loc)) {
    const d = await waitForDesktop(env, 5000);
    return d ? fromDesktop(d) : null;
  }
  const token = fragmentToken ?? env.storage.getItem(TOKEN_KEY);
  if (!token) {
    // Perhaps a desktop shell serving over http: give the binding a moment.
    const d = await waitForDesktop(env, 800);
    return d ? fromDesktop(d) : null;
  }
  const wsProto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return { http: `${loc.origin}/`, ws: `${wsProto}//${loc.host}/ws`, token, desktop: false };
}

export function browserEnv(): EndpointEnv {
  let storage: EndpointEnv['storage'];
  try {
    storage = window.sessionStorage;
  } catch {
    const mem = new Map<string, string>();
    storage = { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => void mem.set(k, v) };
  }
  return {
    location: window.location,
    history: window.history,
    storage,
    win: window as unknown as WailsWindow,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}

/** Resolve a media URL from the server against its HTTP base (the desktop page has another origin). */
export function resolveUrl(ep: Endpoint, url: string): string {
  try {
    return new URL(url, ep.http).toString();
  } catch {
    return url;
  }
}

export function wsUrlWithToken(ep: Endpoint, clientId?: string): string {
  const u = new URL(ep.ws);
  u.searchParams.set('token', ep.token);
  if (clientId) u.searchParams.set('client_id', clientId);
  return u.toString();
}
