import { useEffect, useState } from 'react';
import { useClient, useHearth, useNow } from '../app/hooks';
import { reasonText } from '../reasons';
import { providerState, userWords } from '../state/provider';

/**
 * How long the first connection may take before the banner says so. A local
 * server answers in milliseconds; a banner shown for that long is only a flash.
 */
export const CONNECTING_GRACE_MS = 1000;

/** Connection state, said honestly (notices and undo are in Toasts.tsx). */
export function ConnectionBanner() {
  const client = useClient();
  const conn = useHearth((s) => s.conn);
  const now = useNow(conn.status === 'reconnecting', 500);
  const firstConnect = conn.status === 'connecting' && !conn.everConnected;
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (!firstConnect) return;
    const t = setTimeout(() => setSlow(true), CONNECTING_GRACE_MS);
    return () => clearTimeout(t);
  }, [firstConnect]);
  if (conn.status === 'open') return null;
  if (conn.status === 'no_token') {
    return (
      <div className="banner error" role="alert">
        <strong>No access token.</strong> Open the address that <code>hearth serve</code> printed (it ends in{' '}
        <code>#token=…</code>), or start the Hearth desktop app.
      </div>
    );
  }
  if (firstConnect) {
    if (!slow) return null;
    return (
      <div className="banner" role="status">
        Connecting to Hearth…
      </div>
    );
  }
  const secs = conn.retryAt ? Math.max(0, Math.ceil((conn.retryAt - now) / 1000)) : 0;
  const retrying =
    conn.status === 'reconnecting' && conn.retryAt
      ? secs > 0
        ? `Retrying in ${secs} s (attempt ${conn.attempt}).`
        : 'Retrying…'
      : 'Reconnecting…';
  const where = client.endpoint ? hostOf(client.endpoint.http) : 'its address';
  if (conn.reach === 'elsewhere' || conn.reach === 'token_refused') {
    // Retrying cannot help here: the page has no way to learn the new address
    // or token, so say what happened and what to open.
    return (
      <div className="banner error" role="alert">
        <span>
          {conn.reach === 'elsewhere' ? (
            <>
              <strong>Hearth moved to another address.</strong> Another program now answers at <code>{where}</code>, so
              Hearth started on a different port.
            </>
          ) : (
            <>
              <strong>Hearth no longer accepts this tab’s access token.</strong> It was restarted with a new token (
              <code>hearth serve --new-token</code>), or another Hearth now runs at <code>{where}</code>.
            </>
          )}{' '}
          Open the new link that <code>hearth serve</code> printed (its <code>ui</code> address); your chats are safe on
          disk.
        </span>
        <button type="button" className="btn small" onClick={() => client.retryNow()}>
          Retry now
        </button>
      </div>
    );
  }
  return (
    <div className="banner warn" role="alert">
      <span>
        <strong>{conn.everConnected ? 'Connection to Hearth lost.' : 'Cannot reach the Hearth server.'}</strong>{' '}
        {conn.reach === 'down' && `Hearth is not running at ${where}. `}
        {retrying}{' '}
        {conn.reach === 'down' ? (
          <>
            Start <code>hearth serve</code> again and this tab reconnects by itself; your chats are safe on disk. If
            Hearth runs but this tab does not reconnect, it moved: open the link it printed.
          </>
        ) : (
          'Your chats are safe on disk; replies keep running on the server.'
        )}
      </span>
      <button type="button" className="btn small" onClick={() => client.retryNow()}>
        Retry now
      </button>
    </div>
  );
}

/** host:port of an http base URL, as the banner names the address. */
function hostOf(http: string): string {
  try {
    return new URL(http).host;
  } catch {
    return http;
  }
}

const PROVIDER_TEXT = {
  checking: 'Checking the model server…',
  ok: 'Model server ready',
  unreachable: 'Model server not reachable',
  error: 'Model server error',
} as const;

/**
 * The model server's state, kept live by the server's provider_status: it
 * says so when the server goes away or comes back, with no reload. When it
 * fails it is a button to the settings.
 */
export function ProviderStatus({ onSettings }: { onSettings: () => void }) {
  const models = useHearth((s) => s.models);
  const online = useHearth((s) => s.conn.status === 'open');
  if (!online) return null;
  const state = providerState(models);
  const where = models.url ? ` at ${models.url}` : '';
  const title =
    state === 'ok'
      ? `${models.items.length} model${models.items.length === 1 ? '' : 's'} offered${where}`
      : state === 'checking'
        ? `Asking the model server${where} for its models`
        : `${userWords(reasonText(models.error?.reason ?? 'provider_unreachable', models.error?.detail))} Open the settings to change the server.`;
  const label = <>
    <span className="dot" aria-hidden="true" />
    <span className="provider-status-text">{PROVIDER_TEXT[state]}</span>
  </>;
  return (
    <div className={`provider-status ${state}`} role="status" aria-label="Model server status" title={title}>
      {state === 'ok' || state === 'checking' ? (
        label
      ) : (
        <button type="button" className="link-btn" onClick={onSettings}>
          {label}
        </button>
      )}
    </div>
  );
}
