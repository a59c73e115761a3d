import { useEffect, useState } from 'react';
import { useClient, useHearth, useNow } from '../app/hooks';
import { chatTitle } from '../app/format';

/**
 * How long the first connection may take before the banner says so. A local
 * server answers in milliseconds; a banner shown for that long is only a flash.
 */
export const CONNECTING_GRACE_MS = 1000;

/** Connection state, said honestly; undo for deletes; notices. */
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
  return (
    <div className="banner warn" role="alert">
      <span>
        <strong>{conn.everConnected ? 'Connection to Hearth lost.' : 'Cannot reach the Hearth server.'}</strong>{' '}
        {conn.status === 'reconnecting' && conn.retryAt
          ? secs > 0
            ? `Retrying in ${secs} s (attempt ${conn.attempt}).`
            : 'Retrying…'
          : 'Reconnecting…'}{' '}
        Your chats are safe on disk; replies keep running on the server.
      </span>
      <button type="button" className="btn small" onClick={() => client.retryNow()}>
        Retry now
      </button>
    </div>
  );
}

export function Toasts() {
  const client = useClient();
  const notices = useHearth((s) => s.notices);
  const pendingDeletes = useHearth((s) => s.pendingDeletes);
  const chats = useHearth((s) => s.chats);
  const ids = Object.keys(pendingDeletes);
  if (notices.length === 0 && ids.length === 0) return null;
  return (
    <div className="toasts" role="region" aria-label="Notifications">
      {ids.map((id) => (
        <div key={`del-${id}`} className="toast" role="status">
          <span>Deleted “{chatTitle(chats[id]?.title)}”.</span>
          <button type="button" className="link-btn" onClick={() => client.undoDelete(id)}>
            Undo
          </button>
        </div>
      ))}
      {notices.map((n) => (
        <div key={n.id} className={`toast ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          <button type="button" className="link-btn" aria-label="Dismiss notification" onClick={() => client.dismissNotice(n.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
