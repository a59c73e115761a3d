import { describe, expect, it } from 'vitest';
import { type EndpointEnv, TOKEN_KEY, resolveEndpoint, wsUrlWithToken } from './endpoint';

function env(href: string, win: EndpointEnv['win'] = {}, stored: Record<string, string> = {}) {
  const u = new URL(href);
  const store = new Map(Object.entries(stored));
  const replaced: string[] = [];
  const e: EndpointEnv = {
    location: {
      href,
      hash: u.hash,
      protocol: u.protocol,
      host: u.host,
      hostname: u.hostname,
      origin: u.origin,
      pathname: u.pathname,
      search: u.search,
    },
    history: { state: null, replaceState: (_s, _t, url) => void replaced.push(String(url)) },
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
    win,
    sleep: async () => {},
  };
  return { e, store, replaced };
}

describe('resolveEndpoint', () => {
  it('takes the token from the fragment, keeps it in session storage and strips it from the address', async () => {
    const { e, store, replaced } = env('http://127.0.0.1:4000/#token=s3cret');
    const ep = await resolveEndpoint(e);
    expect(ep).toEqual({ http: 'http://127.0.0.1:4000/', ws: 'ws://127.0.0.1:4000/ws', token: 's3cret', desktop: false });
    expect(store.get(TOKEN_KEY)).toBe('s3cret');
    expect(replaced).toEqual(['/']);
  });

  it('uses the stored token after a reload', async () => {
    const { e } = env('http://127.0.0.1:4000/', {}, { [TOKEN_KEY]: 'kept' });
    expect((await resolveEndpoint(e))?.token).toBe('kept');
  });

  it('asks the desktop shell in the Wails window', async () => {
    const win = {
      go: { desktop: { Bridge: { Endpoint: async () => ({ url: 'http://127.0.0.1:9/', ws: 'ws://127.0.0.1:9/ws', token: 't' }) } } },
    };
    const { e } = env('wails://wails/', win);
    expect(await resolveEndpoint(e)).toEqual({ http: 'http://127.0.0.1:9/', ws: 'ws://127.0.0.1:9/ws', token: 't', desktop: true });
  });

  it('gives up without a token', async () => {
    const { e } = env('http://127.0.0.1:4000/');
    expect(await resolveEndpoint(e)).toBeNull();
  });

  it('puts the token on the WebSocket URL as a query parameter', () => {
    expect(wsUrlWithToken({ http: '', ws: 'ws://127.0.0.1:9/ws', token: 'a b', desktop: false })).toBe(
      'ws://127.0.0.1:9/ws?token=a+b',
    );
  });
});
