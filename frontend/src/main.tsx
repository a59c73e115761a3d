import './styles.css';
import { HearthClient } from './app/client';
import { mountApp } from './app/boot';
import { browserEnv, resolveEndpoint, takeTokenFromFragment } from './net/endpoint';
import { routeByHash } from './app/route';
import { applyTheme, savedTheme } from './app/theme';

// Before the first paint, so a chosen theme never flashes the other one.
applyTheme(savedTheme());

async function boot() {
  const env = browserEnv();
  // A new link pasted into this tab (same address, new token after
  // `hearth serve --new-token`) changes only the fragment, which loads
  // nothing: take its token and start over with it.
  window.addEventListener('hashchange', () => {
    if (takeTokenFromFragment(env)) location.reload();
  });
  const endpoint = await resolveEndpoint(env);
  const client = new HearthClient(endpoint);
  (window as unknown as { __hearth?: HearthClient }).__hearth = client; // for debugging from the console
  // After the endpoint has taken #token= from the address: what is left may name a chat.
  routeByHash(client);
  // Renders at once and connects after that first render is painted (see boot.tsx).
  mountApp(document.getElementById('root')!, client);
}

void boot();
