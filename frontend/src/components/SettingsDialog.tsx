import { useEffect, useRef, useState } from 'react';
import { useClient, useHearth } from '../app/hooks';
import { saveTheme, savedTheme, type Theme } from '../app/theme';
import { settingsErrorWords } from '../state/provider';
import { McpSettingsSection } from './ToolSettings';
import { AgentsSettingsSection } from './Agents';

export function SettingsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const client = useClient();
  const settings = useHearth((s) => s.settings);
  const models = useHearth((s) => s.models);
  const ref = useRef<HTMLDialogElement>(null);
  const [provider, setProvider] = useState('openai');
  const [url, setUrl] = useState('');
  const [model, setModel] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [theme, setTheme] = useState<Theme>(savedTheme);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      void client.loadSettings();
      void client.refreshAgents();
      setError(null);
      setSaved(false);
      setApiKey('');
      d.showModal();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open, client]);

  useEffect(() => {
    if (!settings) return;
    setProvider(settings.provider || 'openai');
    setUrl(settings.provider_url || '');
    setModel(settings.model || '');
  }, [settings]);

  const overridden = new Set(settings?.overridden ?? []);
  const note = (name: string) =>
    overridden.has(name) ? <span className="field-note">Set by a flag or the environment; a saved value applies once that is removed.</span> : null;

  const save = async () => {
    setSaving(true);
    setError(null);
    setSaved(false);
    const patch: Record<string, string> = { provider, provider_url: url.trim(), model: model.trim() };
    if (apiKey) patch.api_key = apiKey;
    const err = await client.saveSettings(patch);
    setSaving(false);
    if (err) setError(settingsErrorWords(err));
    else setSaved(true);
  };

  return (
    <dialog ref={ref} className="settings" aria-labelledby="settings-title" onClose={onClose} onCancel={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h2 id="settings-title">Model server</h2>
        <label>
          <span>Protocol</span>
          <select value={provider} onChange={(e) => setProvider(e.target.value)} aria-label="Provider protocol">
            <option value="openai">OpenAI-compatible (Ollama, llama.cpp, vLLM, LM Studio…)</option>
            <option value="ollama">Ollama native</option>
          </select>
          {note('provider')}
        </label>
        <label>
          <span>Server URL</span>
          <input
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="http://127.0.0.1:11434/v1"
            aria-label="Server URL"
          />
          {note('provider_url')}
        </label>
        <label>
          <span>Default model</span>
          <input value={model} onChange={(e) => setModel(e.target.value)} list="model-options" placeholder="llama3.2" aria-label="Default model" />
          <datalist id="model-options">
            {models.items.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
          {note('model')}
        </label>
        <label>
          <span>API key</span>
          <input
            type="password"
            value={apiKey}
            onChange={(e) => setApiKey(e.target.value)}
            placeholder={settings?.has_api_key ? 'Saved — type to replace' : 'Not needed for local servers'}
            autoComplete="off"
            aria-label="API key"
          />
          {note('api_key')}
        </label>
        {settings?.config_file && (
          <p className="field-note">
            Saved to <code>{settings.config_file}</code>
          </p>
        )}
        <h3 className="settings-sub">Appearance</h3>
        <label>
          <span>Theme</span>
          <select
            value={theme}
            aria-label="Theme"
            onChange={(e) => {
              const t = e.target.value as Theme;
              setTheme(t);
              saveTheme(t); // applies at once and is kept in this browser; no Save needed
            }}
          >
            <option value="system">System</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
        <p className="status-line" role="status">
          {error ? <span className="err">{error}</span> : saved ? (models.status === 'error' ? 'Saved, but the server still does not answer.' : models.status === 'ok' ? `Saved. ${models.items.length} model(s) available.` : 'Saved.') : ''}
        </p>
        <div className="row end">
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="btn primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
        <McpSettingsSection />
        <AgentsSettingsSection />
      </form>
    </dialog>
  );
}
