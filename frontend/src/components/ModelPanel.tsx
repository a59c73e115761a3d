// The model picker's companion: every offered model with what the server
// says about it (size, family, quantization, context, what it can do), and
// downloads by name with a progress bar every window shows.

import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useClient, useHearth } from '../app/hooks';
import type { PullView } from '../state/store';
import { capabilityBadges, modelFacts, pullFraction, pullText } from './modelInfo';

export function ModelPanel({ current, onChoose }: { current: string; onChoose: (model: string) => void }) {
  const [open, setOpen] = useState(false);
  const pulls = useHearth((s) => s.pulls);
  const running = Object.values(pulls).filter((p) => !p.end);
  const wrap = useRef<HTMLDivElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  // A download running anywhere shows on the button, so every window sees it.
  const first = running[0];
  const frac = first ? pullFraction(first) : null;
  return (
    <div className="model-panel-wrap" ref={wrap}>
      <button
        type="button"
        className={`icon-btn model-panel-btn ${first ? 'pulling' : ''}`}
        aria-label="Models and downloads"
        title={first ? `Downloading ${first.name}: ${pullText(first)}` : 'Models and downloads'}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden>
          <path d="M12 4v11M7 10l5 5 5-5M5 20h14" />
        </svg>
        {first && <span className="pull-pct">{frac === null ? '…' : `${Math.floor(frac * 100)}%`}</span>}
      </button>
      {open && (
        <div className="model-panel" role="dialog" aria-label="Models" id={panelId}>
          <ModelList current={current} onChoose={(m) => onChoose(m)} />
          <Downloads />
        </div>
      )}
    </div>
  );
}

function ModelList({ current, onChoose }: { current: string; onChoose: (model: string) => void }) {
  const models = useHearth((s) => s.models);
  if (models.items.length === 0) {
    return <p className="muted">{models.status === 'loading' ? 'Loading models…' : 'The model server offers no models.'}</p>;
  }
  return (
    <ul className="model-list" aria-label="Available models">
      {models.items.map((id) => {
        const info = models.info?.[id];
        const facts = modelFacts(info);
        const badges = capabilityBadges(info);
        return (
          <li key={id}>
            <button type="button" className="model-row" aria-pressed={id === current} onClick={() => onChoose(id)}>
              <span className="model-name">{id}</span>
              {facts.length > 0 && <span className="model-facts">{facts.join(' · ')}</span>}
              {badges.length > 0 && (
                <span className="model-badges">
                  {badges.map((b) => (
                    <span key={b.key} className={`badge badge-${b.key}`} title={b.title}>
                      {b.label}
                    </span>
                  ))}
                </span>
              )}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function Downloads() {
  const client = useClient();
  const pulls = useHearth((s) => s.pulls);
  const provider = useHearth((s) => s.models.provider ?? s.settings?.provider);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    setBusy(true);
    const err = await client.pullModel(n);
    setBusy(false);
    setError(err);
    if (!err) setName('');
  };

  return (
    <section className="downloads" aria-label="Downloads">
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor={inputId}>Download a model</label>
        <div className="download-row">
          <input
            id={inputId}
            type="text"
            value={name}
            placeholder="e.g. llama3.2 or qwen3:8b"
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" className="btn" disabled={busy || !name.trim()}>
            Download
          </button>
        </div>
        {provider && provider !== 'ollama' && !error && (
          <p className="muted small">Downloads go through Ollama: choose Ollama as the provider in Settings.</p>
        )}
        {error && (
          <p className="download-error" role="alert">
            {error}
          </p>
        )}
      </form>
      {Object.values(pulls).map((p) => (
        <PullRow key={p.pull_id} p={p} />
      ))}
    </section>
  );
}

function PullRow({ p }: { p: PullView }) {
  const client = useClient();
  const frac = pullFraction(p);
  return (
    <div className={`pull ${p.end ?? 'running'}`} aria-label={`Download of ${p.name}`} role="group">
      <div className="pull-head">
        <span className="model-name">{p.name}</span>
        {p.end ? (
          <button type="button" className="link-btn" aria-label={`Dismiss ${p.name}`} onClick={() => client.dismissPull(p.pull_id)}>
            Dismiss
          </button>
        ) : (
          <button type="button" className="link-btn" aria-label={`Cancel download of ${p.name}`} onClick={() => void client.cancelPull(p.pull_id)}>
            Cancel
          </button>
        )}
      </div>
      {p.end !== 'error' && p.end !== 'cancelled' && (
        <progress aria-label={`Downloading ${p.name}`} max={1} value={frac ?? undefined} />
      )}
      <div className="pull-text" role="status">
        {pullText(p)}
      </div>
    </div>
  );
}
