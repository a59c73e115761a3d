import { memo, useState } from 'react';
import { useClient } from '../app/hooks';
import { resolveUrl } from '../net/endpoint';
import type { Media } from '../protocol';
import { reasonText } from '../reasons';
import type { PendingMessage, ViewMessage } from '../state/store';
import { answerMeta } from './answerMeta';
import { formatBytes } from '../app/format';
import { isDocument } from '../media/limits';
import { IconCopy, IconFile, IconPencil } from './Icons';
import { userWords } from '../state/provider';
import { useOpenSettings } from './settingsLink';
import { Reasoning } from './Reasoning';
import { AnswerText } from './AnswerText';
import { ForkButton, RegenerateButton, ShortEndActions, VersionSwitcher, useBranchBlock } from './MessageActions';
import { MessageEditor } from './MessageEditor';
import { storedId } from '../state/branches';
import { AnswerBy, useAnswerAgent } from './Agents';

function MediaStrip({ media }: { media: Media[] }) {
  const client = useClient();
  if (media.length === 0) return null;
  return (
    <div className="media-strip">
      {media.map((m) => {
        const url = client.endpoint ? resolveUrl(client.endpoint, m.url) : m.url;
        if (isDocument(m.mime)) return <FileChip key={m.id || m.name} m={m} url={url} />;
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

/**
 * A document as the transcript shows it: its name, kind and size; a click
 * downloads the original file (the server sends it as an attachment).
 */
function FileChip({ m, url }: { m: Media; url: string }) {
  const kind = m.mime === 'application/pdf' ? 'PDF' : 'Text';
  const name = m.name || 'document';
  return (
    <a className="file-chip" href={url} download={name} title={`Download ${name}`} aria-label={`${name}, ${kind}, ${formatBytes(m.size)}`}>
      <IconFile width={18} height={18} />
      <span className="file-chip-name">{name}</span>
      <span className="file-chip-meta">
        {kind} · {formatBytes(m.size)}
      </span>
    </a>
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
  const [editing, setEditing] = useState(false);
  if (m.role === 'user') {
    return (
      <article className="msg user" aria-label="Your message" data-seq={m.seq}>
        {editing ? (
          <MessageEditor m={m} onClose={() => setEditing(false)} />
        ) : (
          <div className="bubble">
            <MediaStrip media={m.media ?? []} />
            {m.content && <div className="user-text">{m.content}</div>}
          </div>
        )}
        {m.queued && <div className="msg-note queued">Queued — sends when the current reply ends</div>}
        {!m.queued && !editing && <UserActions m={m} onEdit={() => setEditing(true)} />}
      </article>
    );
  }
  const streaming = m.status === 'streaming';
  const reasoningLive = streaming && !m.reasoningDone && Boolean(m.reasoning);
  const waiting = streaming && !m.content && !m.reasoning && !m.tools?.length;
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
      <AnswerText m={m} />
      {m.status === 'error' && <AnswerError m={m} />}
      {(m.status === 'cancelled' || m.status === 'interrupted') && (
        <div className={`msg-note ${m.status}`}>
          <span>{STATUS_TEXT[m.status]}</span> <ShortEndActions m={m} />
        </div>
      )}
      {!streaming && (
        <div className="msg-meta">
          <VersionSwitcher m={m} />
          <AnswerBy m={m} />
          {answerMeta(m).map((part) => (
            <span key={part} className="msg-stat">
              {part}
            </span>
          ))}
          {m.content && <CopyButton text={m.content} />}
          <RegenerateButton m={m} />
          <ForkButton m={m} />
        </div>
      )}
    </article>
  );
});

/**
 * A failed answer says why in this window's words, with the ways out: the
 * settings (the server or its URL is wrong), "Try again" (a new answer in
 * its place; the failed one stays as a version) and, with text kept,
 * "Continue".
 */
function AnswerError({ m }: { m: ViewMessage }) {
  const openSettings = useOpenSettings();
  const agent = useAnswerAgent(m);
  return (
    <div className="msg-error" role="alert">
      <strong>{agent ? `The agent ${agent} did not answer.` : 'The model failed.'}</strong> {userWords(m.error || 'The model server returned an error.')}
      <span className="actions">
        <button type="button" className="link-btn" onClick={openSettings}>
          Settings
        </button>
      </span>
      <ShortEndActions m={m} />
    </div>
  );
}

/** Under a question: its versions, Edit and Fork from here. */
function UserActions({ m, onEdit }: { m: ViewMessage; onEdit: () => void }) {
  const block = useBranchBlock(m.chat_id);
  const why = block ?? (storedId(m) === null ? 'Not saved yet' : null);
  return (
    <div className="msg-actions">
      <VersionSwitcher m={m} />
      <button
        type="button"
        className="icon-btn small"
        aria-label="Edit message"
        aria-disabled={why ? true : undefined}
        title={why ?? 'Edit message'}
        onClick={() => {
          if (!why) onEdit();
        }}
      >
        <IconPencil width={14} height={14} />
      </button>
      <ForkButton m={m} />
    </div>
  );
}

export function PendingItem({ p, onDismiss, onQueue }: { p: PendingMessage; onDismiss: () => void; onQueue?: () => void }) {
  const openSettings = useOpenSettings();
  return (
    <article className={`msg user pending ${p.error ? 'failed' : ''}`} aria-label="Your message (sending)">
      <div className="bubble">
        <MediaStrip media={p.media} />
        {p.content && <div className="user-text">{p.content}</div>}
      </div>
      {p.error ? (
        <div className="msg-error" role="alert">
          Not sent: {userWords(reasonText(p.error.reason, p.error.detail))}
          <span className="actions">
            {p.error.reason.startsWith('provider_') && (
              <button type="button" className="link-btn" onClick={openSettings}>
                Settings
              </button>
            )}
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
