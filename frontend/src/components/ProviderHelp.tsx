import { useClient, useHearth } from '../app/hooks';
import { reasonText } from '../reasons';

/** First run, or the model server is down: say how to fix it. */
export function ProviderHelp({ onSettings }: { onSettings: () => void }) {
  const client = useClient();
  const models = useHearth((s) => s.models);
  const settings = useHearth((s) => s.settings);
  if (!models.error || models.status === 'ok') return null;
  const url = settings?.provider_url || models.url || '';
  const sentence = reasonText(models.error?.reason ?? 'provider_unreachable', models.error?.detail);
  return (
    <section className="provider-help" role="alert" aria-label="Model server not reachable">
      <h2>No model server answers</h2>
      <p>
        {sentence}
        {url && !sentence.includes(url) && (
          <>
            {' '}Hearth is looking at <code>{url}</code>.
          </>
        )}
      </p>
      <p>To chat with a local model, start Ollama and fetch a model:</p>
      <pre className="cmd">ollama serve{'\n'}ollama pull llama3.2</pre>
      <p>Or point Hearth at another OpenAI-compatible server (llama.cpp, vLLM, LM Studio…).</p>
      <div className="row">
        <button type="button" className="btn primary" onClick={onSettings}>
          Model server settings
        </button>
        <button type="button" className="btn" onClick={() => void client.refreshModels()} disabled={models.status === 'loading'}>
          Try again
        </button>
      </div>
    </section>
  );
}
