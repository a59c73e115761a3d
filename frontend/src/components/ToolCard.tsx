// A tool call in the transcript: which server's tool, its arguments, its
// live state, the user's approval while it waits, and its result. Tool
// output is untrusted: it is shown as plain text (React escapes it), never
// as markdown or HTML, and only raster images from data URLs.

import { memo, useEffect, useId, useMemo, useRef, useState, type SVGProps } from 'react';
import { useClient, useHearth, useNow } from '../app/hooks';
import { formatSeconds } from '../app/format';
import type { ApprovalDecision, ToolImage } from '../protocol';
import {
  PHASE_WORDS,
  allowedByWords,
  argumentsAreLong,
  hintWords,
  phaseDetail,
  prettyArguments,
  resolutionWords,
  timeLeft,
  toolPhase,
  type ToolPhase,
  type ToolView,
} from '../state/tools';
import './tools.css';

const IconTool = (p: SVGProps<SVGSVGElement>) => (
  <svg width={14} height={14} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden {...p}>
    <path d="M14.7 6.3a1 1 0 000 1.4l1.6 1.6a1 1 0 001.4 0l3.77-3.77a6 6 0 01-7.94 7.94l-6.91 6.91a2.12 2.12 0 01-3-3l6.91-6.91a6 6 0 017.94-7.94l-3.76 3.76z" />
  </svg>
);

/** A short duration: milliseconds under a second, else as the reasoning timer says it. */
function duration(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : formatSeconds(ms);
}

/** Only the image kinds a browser draws without running anything. */
function safeImage(img: ToolImage): boolean {
  return /^image\/(png|jpeg|gif|webp)$/.test(img.mime) && img.url.startsWith(`data:${img.mime};base64,`);
}

export const ToolCard = memo(function ToolCard({ call, chatId, turnOver }: { call: ToolView; chatId: string; turnOver: boolean }) {
  const phase = toolPhase(call, turnOver);
  const myId = useHearth((s) => s.clientId);
  const allowed = allowedByWords(call.allowed_by);
  const resolution = phase === 'pending' ? null : resolutionWords(call.approval?.decision, call.approval?.by, myId);
  const label = `${call.server} · ${call.name}`;
  return (
    <section className={`tool-card phase-${phase}`} aria-label={`Tool call ${label}: ${PHASE_WORDS[phase]}`} data-call-id={call.call_id} data-phase={phase}>
      <div className="tool-head">
        <IconTool className="tool-icon" />
        <span className="tool-title">
          <span className="tool-server">{call.server}</span>
          <span aria-hidden="true"> · </span>
          <code className="tool-name">{call.name}</code>
        </span>
        <ToolStatus call={call} phase={phase} />
      </div>
      {(allowed || resolution) && <div className="tool-note">{allowed ? capital(allowed) : resolution}</div>}
      <ToolArguments args={call.arguments} />
      {phase === 'pending' && call.approval && <ApprovalPrompt chatId={chatId} call={call} />}
      {call.status && <ToolResult call={call} phase={phase} />}
    </section>
  );
});

function capital(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function ToolStatus({ call, phase }: { call: ToolView; phase: ToolPhase }) {
  const detail = phaseDetail(call, phase);
  // An error's own words come first in its status line; the whole of them is in the result.
  const errWords = phase === 'error' && call.content ? firstLine(call.content) : null;
  return (
    <span className={`tool-status ${phase}`}>
      {(phase === 'running' || phase === 'pending') && <span className="spinner" aria-hidden="true" />}
      <span className="tool-phase">{PHASE_WORDS[phase]}</span>
      {errWords && <span className="tool-detail">: {errWords}</span>}
      {detail && <span className="tool-detail"> — {detail}</span>}
      {phase === 'running' && call.startedAt !== undefined && <Elapsed since={call.startedAt} />}
      {call.status && call.duration_ms !== undefined && call.duration_ms > 0 && <span className="timer"> · {duration(call.duration_ms)}</span>}
    </span>
  );
}

function firstLine(s: string): string {
  const line = s.trim().split('\n', 1)[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

/** Its own clock, so only this line re-renders while a call runs. */
function Elapsed({ since }: { since: number }) {
  const now = useNow(true, 100);
  return (
    <span className="timer" role="timer">
      {' '}
      · {formatSeconds(now - since)}
    </span>
  );
}

function ToolArguments({ args }: { args: unknown }) {
  const text = useMemo(() => prettyArguments(args), [args]);
  const long = argumentsAreLong(text);
  const [open, setOpen] = useState(!long);
  const id = useId();
  if (text === '{}') return <div className="tool-note">No arguments</div>;
  return (
    <div className="tool-section">
      <button type="button" className="tool-toggle" aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}>
        <span className="chevron" aria-hidden="true">
          ▸
        </span>
        Arguments{!open && <span className="tool-size"> · {text.split('\n').length} lines</span>}
      </button>
      {open && (
        <pre id={id} className="tool-pre">
          {text}
        </pre>
      )}
    </div>
  );
}

function ToolResult({ call, phase }: { call: ToolView; phase: ToolPhase }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const text = call.content ?? '';
  const images = (call.images ?? []).filter(safeImage);
  if (!text && images.length === 0) return null;
  const parts: string[] = [];
  if (text) parts.push(`${text.length.toLocaleString()} characters`);
  if (images.length) parts.push(images.length === 1 ? '1 image' : `${images.length} images`);
  const what = phase === 'ok' ? 'Result' : phase === 'error' ? 'Error' : 'Message';
  return (
    <div className="tool-section">
      <button type="button" className="tool-toggle" aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}>
        <span className="chevron" aria-hidden="true">
          ▸
        </span>
        {what}
        <span className="tool-size"> · {parts.join(', ')}</span>
      </button>
      {open && (
        <div id={id} className="tool-result">
          {text && <pre className="tool-pre">{text}</pre>}
          {images.map((img, i) => (
            <img key={i} className="tool-image" src={img.url} alt={`Image ${i + 1} from ${call.name}`} />
          ))}
        </div>
      )}
    </div>
  );
}

const CHOICES: { decision: ApprovalDecision; label: string; title: string }[] = [
  { decision: 'once', label: 'Allow once', title: 'Run this call; the next call of this tool asks again' },
  { decision: 'chat', label: 'Allow for this chat', title: 'Run this tool in this chat from now on without asking' },
  { decision: 'always', label: 'Always allow', title: 'Run this tool in every chat without asking (revocable in Settings)' },
  { decision: 'deny', label: 'Deny', title: 'Do not run it; the model is told you declined' },
];

/** Calls whose prompt took the focus once: a virtual list remounts a card scrolled back into view. */
const focused = new Set<string>();

/**
 * A prompt appearing takes the focus only from nowhere (the page itself) or
 * from the transcript: never from someone typing (the composer, a field) or
 * working elsewhere (the chat list, a menu), nor from another prompt.
 */
function mayTakeFocus(): boolean {
  const a = document.activeElement;
  if (!(a instanceof HTMLElement) || a === document.body) return true;
  if (a.closest('.tool-approval')) return false;
  if (a.isContentEditable || a instanceof HTMLTextAreaElement || a instanceof HTMLInputElement || a instanceof HTMLSelectElement) return false;
  return Boolean(a.closest('.message-list'));
}

function ApprovalPrompt({ chatId, call }: { chatId: string; call: ToolView }) {
  const client = useClient();
  // An agent's calls name the agent as their server.
  const fromAgent = useHearth((s) => !!s.chats[chatId]?.agent && s.chats[chatId]?.agent === call.server);
  const first = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const headId = useId();

  useEffect(() => {
    if (focused.has(call.call_id)) return;
    focused.add(call.call_id);
    if (mayTakeFocus()) first.current?.focus({ preventScroll: true });
  }, [call.call_id]);

  useEffect(() => {
    if (!err) return;
    const t = setTimeout(() => setErr(null), 4000);
    return () => clearTimeout(t);
  }, [err]);

  const answer = async (d: ApprovalDecision) => {
    setBusy(true);
    const e = await client.approve(chatId, call.call_id, d);
    setBusy(false);
    setErr(e);
  };

  return (
    <div className="tool-approval" role="group" aria-labelledby={headId}>
      <p id={headId} className="tool-ask">
        Allow <strong>{call.server}</strong> to run <code>{call.name}</code>?
      </p>
      <p className="tool-hint">{hintWords(call.approval?.hints, fromAgent)}</p>
      <div className="tool-choices">
        {CHOICES.map((c, i) => (
          <button
            key={c.decision}
            ref={i === 0 ? first : undefined}
            type="button"
            className={`btn small ${c.decision === 'deny' ? 'deny' : c.decision === 'once' ? 'primary' : ''}`}
            title={c.title}
            disabled={busy}
            onClick={() => void answer(c.decision)}
          >
            {c.label}
          </button>
        ))}
        <ExpiresIn at={call.approval?.expires_at ?? ''} />
      </div>
      <p className="tool-approval-err" role="status">
        {err}
      </p>
    </div>
  );
}

/** The time left to answer; ticks by itself, the transcript does not re-render. */
function ExpiresIn({ at }: { at: string }) {
  const now = useNow(true, 1000);
  const left = timeLeft(at, now);
  if (!at) return null;
  return (
    <span className="tool-expiry timer" role="timer" aria-live="off">
      {left ? `Denied in ${left} without an answer` : 'Time is up'}
    </span>
  );
}
