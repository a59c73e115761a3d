import { memo, useState } from 'react';
import { formatSeconds } from '../app/format';
import { useClient } from '../app/hooks';
import { resolveUrl } from '../net/endpoint';
import type { Media } from '../protocol';
import { reasonText } from '../reasons';
import { Markdown } from '../markdown/Markdown';
import type { PendingMessage, ViewMessage } from '../state/store';
import { IconCopy } from './Icons';
import { Reasoning } from './Reasoning';

function MediaStrip({ media }: { media: Media[] }) {
  const client = useClient();
  if (media.length === 0) return null;
  return (
    <div className="media-strip">
      {media.map((m) => {
        const url = client.endpoint ? resolveUrl(client.endpoint, m.url) : m.url;
        const label = m.name || (m.mime.startsWith('video/') ? 'video' : 'image');
        return m.mime.startsWith('video/') ? (
          <video key={m.id} className="media-item" src={url} controls preload="metadata" aria-label={label} />
        ) : (
          <a key={m.id} href={url} target="_blank" rel="noopener noreferrer" className="media-link">
            <img className="media-item" src={url} alt={label} loading="lazy" />
          </a>
        );
      })}
    </div>
  );
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="icon-btn small"
      aria-label={copied ? 'Copied' : 'Copy answer'}
      title={copied ? 'Copied' : 'Copy answer'}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        });
      }}
    >
      <IconCopy width={14} height={14} />
    </button>
  );
}

const STATUS_TEXT: Record<string, string> = {
  cancelled: 'Stopped',
  interrupted: 'Interrupted — the server stopped while this reply was being written; the text up to that point was kept.',
};

export const MessageItem = memo(function MessageItem({ m }: { m: ViewMessage }) {
  if (m.role === 'user') {
    return (
      <article className="msg user" aria-label="Your message" data-seq={m.seq}>
        <div className="bubble">
          <MediaStrip media={m.media ?? []} />
          {m.content && <div className="user-text">{m.content}</div>}
        </div>
        {m.queued && <div className="msg-note queued">Queued — sends when the current reply ends</div>}
      </article>
    );
  }
  const streaming = m.status === 'streaming';
  const reasoningLive = streaming && !m.reasoningDone && Boolean(m.reasoning);
  const waiting = streaming && !m.content && !m.reasoning;
  return (
    <article className="msg assistant" aria-label="Answer" data-seq={m.seq} aria-busy={streaming}>
      {m.reasoning ? (
        <Reasoning text={m.reasoning} live={reasoningLive} startedAt={m.reasoningStartedAt} durationMs={m.reasoning_ms} />
      ) : null}
      {waiting && (
        <div className="waiting" role="status">
          <span className="dots" aria-hidden="true"><i /><i /><i /></span>
          <span className="sr-only">Waiting for the model…</span>
        </div>
      )}
      {m.content && (
        <div className="answer">
          <Markdown text={m.content} streaming={streaming} />
        </div>
      )}
      {m.status === 'error' && (
        <div className="msg-error" role="alert">
          <strong>The model failed.</strong> {m.error || 'The provider returned an error.'}
        </div>
      )}
      {(m.status === 'cancelled' || m.status === 'interrupted') && (
        <div className={`msg-note ${m.status}`}>{STATUS_TEXT[m.status]}</div>
      )}
      {!streaming && (
        <div className="msg-meta">
          {m.model && <span>{m.model}</span>}
          {m.latency_ms !== undefined && <span>{formatSeconds(m.latency_ms)}</span>}
          {m.usage?.completion_tokens ? <span>{m.usage.completion_tokens} tokens</span> : null}
          {m.content && <CopyButton text={m.content} />}
        </div>
      )}
    </article>
  );
});

export function PendingItem({ p, onDismiss, onQueue }: { p: PendingMessage; onDismiss: () => void; onQueue?: () => void }) {
  return (
    <article className={`msg user pending ${p.error ? 'failed' : ''}`} aria-label="Your message (sending)">
      <div className="bubble">
        <MediaStrip media={p.media} />
        {p.content && <div className="user-text">{p.content}</div>}
      </div>
      {p.error ? (
        <div className="msg-error" role="alert">
          Not sent: {reasonText(p.error.reason, p.error.detail)}
          <span className="actions">
            {p.error.reason === 'busy' && onQueue && (
              <button type="button" className="link-btn" onClick={onQueue}>
                Queue it
              </button>
            )}
            <button type="button" className="link-btn" onClick={onDismiss}>
              Dismiss
            </button>
          </span>
        </div>
      ) : (
        <div className="msg-note">{p.queued ? 'Queueing…' : 'Sending…'}</div>
      )}
    </article>
  );
}
