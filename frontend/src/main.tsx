import './styles.css';
import { HearthClient } from './app/client';
import { mountApp } from './app/boot';
import { browserEnv, resolveEndpoint } from './net/endpoint';

async function boot() {
  const endpoint = await resolveEndpoint(browserEnv());
  const client = new HearthClient(endpoint);
  (window as unknown as { __hearth?: HearthClient }).__hearth = client; // for debugging from the console
  // Renders at once and connects after that first render is painted (see boot.tsx).
  mountApp(document.getElementById('root')!, client);
}

void boot();
