// Per-chat settings: the panel behind the chat header's sliders button
// (system prompt, model, parameters, presets), and the preset chooser of a
// new or still empty chat.

import { useEffect, useId, useRef, useState, type SVGProps } from 'react';
import { useClient, useHearth } from '../app/hooks';
import type { Preset } from '../protocol';
import { EFFORTS, describePreset, formFromParams, paramsFromForm, presetExists, presetName, type ParamsForm } from '../state/presets';
import { ChatToolsSection } from './ToolSettings';
import { ChatAgentSection } from './Agents';
import './chatSettings.css';

const IconSliders = (p: SVGProps<SVGSVGElement>) => (
  <svg width={18} height={18} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" aria-hidden {...p}>
    <path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0" />
    <circle cx="16" cy="6" r="2" />
    <circle cx="10" cy="12" r="2" />
    <circle cx="18" cy="18" r="2" />
  </svg>
);

/** The header button and the panel it opens. */
export function ChatSettingsButton({ chatId }: { chatId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="icon-btn"
        // Not "… settings": the app's own Settings button is found by that word.
        aria-label="System prompt and parameters"
        title="Chat settings: system prompt, model, parameters, presets"
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        <IconSliders />
      </button>
      <ChatSettingsDialog chatId={chatId} open={open} onClose={() => setOpen(false)} />
    </>
  );
}

interface Fields extends ParamsForm {
  system: string;
  model: string;
}

function ChatSettingsDialog({ chatId, open, onClose }: { chatId: string; open: boolean; onClose: () => void }) {
  const client = useClient();
  const chat = useHearth((s) => s.chats[chatId]);
  const presets = useHearth((s) => s.presets);
  const models = useHearth((s) => s.models.items);
  const defaultModel = useHearth((s) => s.settings?.model ?? '');
  const provider = useHearth((s) => s.settings?.provider ?? '');
  const ref = useRef<HTMLDialogElement>(null);
  const ids = useId();
  const [f, setF] = useState<Fields>(() => fieldsOf(chat));
  const [status, setStatus] = useState<{ err: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [apply, setApply] = useState('');
  const [newName, setNewName] = useState('');

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setF(fieldsOf(client.getState().chats[chatId]));
      setStatus(null);
      setNewName('');
      setApply('');
      void client.refreshPresets();
      void client.refreshAgents();
      d.showModal();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open, client, chatId]);

  const set = (k: keyof Fields) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const done = (err: string | null, ok: string) => setStatus(err ? { err: true, text: err } : { err: false, text: ok });

  const save = async () => {
    const p = paramsFromForm(f);
    if (!p.params) return done(p.error, '');
    setBusy(true);
    const err = await client.updateChatSettings(chatId, { system: f.system, model: f.model.trim(), params: p.params });
    setBusy(false);
    done(err, 'Saved. The next answer uses these settings.');
  };

  const applyPreset = async () => {
    if (!apply) return;
    setBusy(true);
    const err = await client.updateChatSettings(chatId, { preset: apply });
    setBusy(false);
    if (!err) setF(fieldsOf(client.getState().chats[chatId]));
    done(err, `Applied “${apply}”.`);
  };

  const saveAsPreset = async () => {
    const n = presetName(newName);
    if (!n.name) return done(n.error, '');
    const p = paramsFromForm(f);
    if (!p.params) return done(p.error, '');
    setBusy(true);
    const replacing = presetExists(presets, n.name);
    const err = await client.savePreset({ name: n.name, system: f.system, model: f.model.trim(), params: p.params });
    setBusy(false);
    if (!err) setNewName('');
    done(err, replacing ? `Replaced preset “${n.name}”.` : `Saved preset “${n.name}”.`);
  };

  const remove = async (name: string) => {
    const err = await client.deletePreset(name);
    if (!err && apply === name) setApply('');
    done(err, `Deleted preset “${name}”.`);
  };

  return (
    <dialog ref={ref} className="settings chat-settings" aria-labelledby={`${ids}-title`} onClose={onClose} onCancel={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h2 id={`${ids}-title`}>Chat settings</h2>
        {chat?.preset && <p className="field-note">Last preset applied: “{chat.preset}”</p>}
        <label>
          <span>System prompt</span>
          <textarea rows={5} value={f.system} onChange={set('system')} placeholder="None" aria-label="System prompt" autoFocus />
        </label>
        <ChatAgentSection chatId={chatId} />
        <label>
          <span>Model</span>
          <input value={f.model} onChange={set('model')} list={`${ids}-models`} placeholder={defaultModel ? `Default (${defaultModel})` : 'Default'} aria-label="Chat model" />
          <datalist id={`${ids}-models`}>
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </label>
        <fieldset className="chat-params">
          <legend>Parameters</legend>
          <p className="field-note">Empty uses the default: config.toml’s [params], else the model server’s own.</p>
          <div className="chat-params-grid">
            <label>
              <span>Temperature</span>
              <input type="number" inputMode="decimal" min={0} max={2} step={0.05} value={f.temperature} onChange={set('temperature')} placeholder="default" aria-label="Temperature" />
            </label>
            <label>
              <span>Top-p</span>
              <input type="number" inputMode="decimal" min={0} max={1} step={0.05} value={f.top_p} onChange={set('top_p')} placeholder="default" aria-label="Top-p" />
            </label>
            <label>
              <span>Context length</span>
              <input type="number" inputMode="numeric" min={256} step={1024} value={f.context_length} onChange={set('context_length')} placeholder="default" aria-label="Context length" />
            </label>
            <label>
              <span>Reasoning effort</span>
              <select value={f.reasoning_effort} onChange={set('reasoning_effort')} aria-label="Reasoning effort">
                <option value="">Default</option>
                {EFFORTS.map((e) => (
                  <option key={e} value={e}>
                    {e[0]!.toUpperCase() + e.slice(1)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {provider === 'openai' && f.context_length.trim() !== '' && (
            <p className="field-note">
              OpenAI-compatible servers have no context length field, so this one is not sent: set it on the server (Ollama: OLLAMA_CONTEXT_LENGTH), or use the
              Ollama native protocol.
            </p>
          )}
        </fieldset>
        <p className="status-line" role="status">
          {status && (status.err ? <span className="err">{status.text}</span> : status.text)}
        </p>
        <div className="row end">
          <button
            type="button"
            className="btn"
            onClick={() => setF((x) => ({ ...x, ...formFromParams({}) }))}
            title="Empty every parameter, so the defaults apply (Save to keep it)"
          >
            Reset parameters
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="btn primary" disabled={busy}>
            Save
          </button>
        </div>

        <h3 className="settings-sub">Presets</h3>
        <div className="preset-row">
          <select value={apply} onChange={(e) => setApply(e.target.value)} aria-label="Preset to apply" disabled={!presets?.length}>
            <option value="">{presets?.length ? 'Choose a preset…' : 'No presets yet'}</option>
            {(presets ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
          <button type="button" className="btn" disabled={!apply || busy} onClick={() => void applyPreset()}>
            Apply preset
          </button>
        </div>
        <div className="preset-row">
          <input
            value={newName}
            onChange={(e) => setNewName(e.target.value)}
            placeholder="Preset name"
            aria-label="Preset name"
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void saveAsPreset();
              }
            }}
          />
          <button type="button" className="btn" disabled={!newName.trim() || busy} onClick={() => void saveAsPreset()}>
            {presetExists(presets, newName) ? 'Replace preset' : 'Save as preset'}
          </button>
        </div>
        {presets && presets.length > 0 && (
          <ul className="preset-list" aria-label="Saved presets">
            {presets.map((p) => (
              <li key={p.name}>
                <span className="preset-name">{p.name}</span>
                <span className="field-note preset-desc">{describePreset(p)}</span>
                <button type="button" className="icon-btn" aria-label={`Delete preset ${p.name}`} title="Delete this preset (chats given it keep their settings)" onClick={() => void remove(p.name)}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <ChatToolsSection chatId={chatId} />
      </form>
    </dialog>
  );
}

function fieldsOf(chat: { system?: string; model?: string; params?: Preset['params'] } | undefined): Fields {
  return { system: chat?.system ?? '', model: chat?.model ?? '', ...formFromParams(chat?.params) };
}

/**
 * Choosing a preset for a chat with nothing in it yet: for a draft (no
 * chatId) it goes with new_chat; for an empty chat it is applied at once.
 */
export function PresetChooser({ chatId }: { chatId: string | null }) {
  const client = useClient();
  const presets = useHearth((s) => s.presets);
  const draftPreset = useHearth((s) => s.draftPreset);
  const chatPreset = useHearth((s) => (chatId ? (s.chats[chatId]?.preset ?? '') : ''));
  const [err, setErr] = useState<string | null>(null);
  const id = useId();
  const chosen = chatId ? chatPreset : (draftPreset ?? '');

  // A preset deleted (here or in another window) is no longer a choice.
  useEffect(() => {
    if (!chatId && draftPreset && presets && !presets.some((p) => p.name === draftPreset)) client.setDraftPreset(null);
  }, [chatId, draftPreset, presets, client]);

  if (!presets?.length) return null;
  const current = presets.find((p) => p.name === chosen);
  return (
    <div className="preset-chooser">
      <label htmlFor={id}>Preset</label>
      <select
        id={id}
        value={current ? chosen : ''}
        aria-label="Preset for this chat"
        onChange={async (e) => {
          const name = e.target.value;
          setErr(null);
          if (!chatId) return client.setDraftPreset(name || null);
          // None: back to a chat with no settings of its own.
          setErr(await client.updateChatSettings(chatId, name ? { preset: name } : { preset: '', system: '', model: '', params: {} }));
        }}
      >
        <option value="">None</option>
        {presets.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name}
          </option>
        ))}
      </select>
      {current && <span className="field-note">{describePreset(current)}</span>}
      {err && <span className="err">{err}</span>}
    </div>
  );
}
