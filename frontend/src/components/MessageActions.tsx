// What a message offers on a chat that is a tree: its versions (‹ 2 / 3 ›),
// Edit, Regenerate (with another model), Try again and Continue for an
// answer that ended short, and Fork from here. Every one of them changes the
// chat's path, which the server refuses while a reply is being written, so
// they wait for the chat to be idle and say so.

import { useEffect, useRef, useState, type KeyboardEvent, type SVGProps } from 'react';
import { useClient, useHearth } from '../app/hooks';
import type { ViewMessage } from '../state/store';
import { canContinue, endedShort, siblingTarget, storedId } from '../state/branches';
import { rovingTarget } from './roving';
import './branches.css';

const base = { width: 14, height: 14, viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 2, strokeLinecap: 'round' as const, strokeLinejoin: 'round' as const, 'aria-hidden': true };

export const IconRegenerate = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}><path d="M20 11a8 8 0 10-2.3 5.7M20 4v7h-7" /></svg>
);
export const IconFork = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}><circle cx="6" cy="5" r="2" /><circle cx="6" cy="19" r="2" /><circle cx="18" cy="7" r="2" /><path d="M6 7v10M18 9c0 4-6 4-11.2 8.5" /></svg>
);
const IconChevronLeft = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}><path d="M15 6l-6 6 6 6" /></svg>
);
const IconChevronRight = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}><path d="M9 6l6 6-6 6" /></svg>
);
const IconChevronDown = (p: SVGProps<SVGSVGElement>) => (
  <svg {...base} {...p}><path d="M6 9l6 6 6-6" /></svg>
);

/**
 * Why the chat's path cannot change now (a sentence for a tooltip), or null
 * when it can.
 */
export function useBranchBlock(chatId: string): string | null {
  const running = useHearth((s) => Boolean(s.views[chatId]?.runningTurnId));
  const online = useHearth((s) => s.conn.status === 'open');
  if (!online) return 'Offline — reconnecting to Hearth';
  if (running) return 'Wait for the reply being written to finish';
  return null;
}

/** Props of a button that may be blocked: focusable (so its tooltip says why) but inert. */
function blockable(block: string | null, label: string) {
  return { 'aria-disabled': block ? true : undefined, title: block ?? label, 'aria-label': label };
}

/** ‹ 2 / 3 › between the versions of a message; ← and → move too. */
export function VersionSwitcher({ m }: { m: ViewMessage }) {
  const client = useClient();
  const block = useBranchBlock(m.chat_id);
  const [busy, setBusy] = useState(false);
  const s = m.siblings;
  if (!s || s.count < 2) return null;
  const prev = siblingTarget(s, -1);
  const next = siblingTarget(s, 1);
  const go = (target: number | null) => {
    if (target === null || block || busy) return;
    setBusy(true);
    void client.switchBranch(m.chat_id, target).finally(() => setBusy(false));
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      go(e.key === 'ArrowLeft' ? prev : next);
    }
  };
  const what = m.role === 'user' ? 'message' : 'answer';
  return (
    <div className="versions" role="group" aria-label={`Versions of this ${what}`} onKeyDown={onKeyDown}>
      <button
        type="button"
        className="icon-btn tiny"
        disabled={prev === null}
        {...blockable(block, 'Previous version')}
        onClick={() => go(prev)}
      >
        <IconChevronLeft />
      </button>
      <span className="versions-pos" aria-hidden="true">
        {s.index + 1} / {s.count}
      </span>
      <span className="sr-only" aria-live="polite" aria-atomic="true">
        Version {s.index + 1} of {s.count}
      </span>
      <button
        type="button"
        className="icon-btn tiny"
        disabled={next === null}
        {...blockable(block, 'Next version')}
        onClick={() => go(next)}
      >
        <IconChevronRight />
      </button>
    </div>
  );
}

export function ForkButton({ m }: { m: ViewMessage }) {
  const client = useClient();
  const online = useHearth((s) => s.conn.status === 'open');
  const id = storedId(m);
  const block = !online ? 'Offline — reconnecting to Hearth' : id === null ? 'Not saved yet' : null;
  return (
    <button
      type="button"
      className="icon-btn small"
      {...blockable(block, 'Fork from here')}
      onClick={() => {
        if (!block && id !== null) void client.forkChat(m.chat_id, id);
      }}
    >
      <IconFork />
    </button>
  );
}

/** Regenerate, and beside it a menu to regenerate with another model. */
export function RegenerateButton({ m }: { m: ViewMessage }) {
  const client = useClient();
  const block = useBranchBlock(m.chat_id);
  const id = storedId(m);
  const why = block ?? (id === null ? 'Not saved yet' : null);
  const run = (model?: string) => {
    if (!why) void client.regenerate(m.chat_id, id, model);
  };
  return (
    <span className="regen">
      <button type="button" className="icon-btn small" {...blockable(why, 'Regenerate')} onClick={() => run()}>
        <IconRegenerate />
      </button>
      <ModelMenu current={m.model} block={why} onPick={run} />
    </span>
  );
}

function ModelMenu({ current, block, onPick }: { current?: string; block: string | null; onPick: (model: string) => void }) {
  const models = useHearth((s) => s.models.items);
  const [open, setOpen] = useState(false);
  const [at, setAt] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);

  useEffect(() => {
    if (open && at !== null) menu.current?.querySelector<HTMLElement>(`[data-model="${CSS.escape(at)}"]`)?.focus();
  }, [open, at]);

  // A blocked menu closes (a reply started in another window meanwhile).
  useEffect(() => {
    if (block) setOpen(false);
  }, [block]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      // Esc here closes the menu, not the running reply (App's Esc).
      e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    if (e.key === 'Tab') {
      setOpen(false);
      return;
    }
    const to = rovingTarget(models, at, e.key);
    if (to !== undefined) {
      e.preventDefault();
      setAt(to);
    }
  };

  const label = 'Regenerate with another model';
  return (
    <span className="model-menu">
      <button
        ref={button}
        type="button"
        className="icon-btn tiny"
        aria-haspopup="menu"
        aria-expanded={open}
        {...blockable(block, label)}
        onClick={() => {
          if (block) return;
          // Opening starts on the answer's own model, else the first.
          if (!open) setAt(current && models.includes(current) ? current : (models[0] ?? null));
          setOpen(!open);
        }}
      >
        <IconChevronDown />
      </button>
      {open && (
        <ul ref={menu} className="menu" role="menu" aria-label={label} onKeyDown={onKeyDown}>
          {models.length === 0 && (
            <li role="none" className="menu-empty">
              No models offered
            </li>
          )}
          {models.map((name) => (
            <li role="none" key={name}>
              <button
                type="button"
                role="menuitem"
                data-model={name}
                tabIndex={name === at ? 0 : -1}
                className={name === current ? 'current' : undefined}
                onClick={() => {
                  setOpen(false);
                  onPick(name);
                }}
              >
                {name}
                {name === current && <span className="menu-note"> (this answer)</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}

/**
 * Try again (a new answer beside this one) and Continue (the model goes on
 * from the kept text) for an answer that failed, was stopped or was cut
 * short; a server that cannot continue says why in a notice.
 */
export function ShortEndActions({ m }: { m: ViewMessage }) {
  const client = useClient();
  const block = useBranchBlock(m.chat_id);
  const id = storedId(m);
  if (!endedShort(m)) return null;
  const why = block ?? (id === null ? 'Not saved yet' : null);
  return (
    <span className="actions">
      <button
        type="button"
        className="link-btn"
        {...blockable(why, 'Try again')}
        title={why ?? 'A new answer in place of this one (this one stays as a version)'}
        onClick={() => {
          if (!why) void client.regenerate(m.chat_id, id);
        }}
      >
        Try again
      </button>
      {canContinue(m) && (
        <button
          type="button"
          className="link-btn"
          {...blockable(why, 'Continue')}
          title={why ?? 'The model goes on from where this answer stopped'}
          onClick={() => {
            if (!why && id !== null) void client.continueAnswer(m.chat_id, id);
          }}
        >
          Continue
        </button>
      )}
    </span>
  );
}
