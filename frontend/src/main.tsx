import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HearthClient } from './app/client';
import { ClientContext } from './app/hooks';
import { App } from './components/App';
import { browserEnv, resolveEndpoint } from './net/endpoint';

async function boot() {
  const endpoint = await resolveEndpoint(browserEnv());
  const client = new HearthClient(endpoint);
  client.start();
  (window as unknown as { __hearth?: HearthClient }).__hearth = client; // for debugging from the console
  const root = createRoot(document.getElementById('root')!);
  root.render(
    <StrictMode>
      <ClientContext.Provider value={client}>
        <App />
      </ClientContext.Provider>
    </StrictMode>,
  );
}

void boot();
