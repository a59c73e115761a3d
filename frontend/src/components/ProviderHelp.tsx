import { useClient, useHearth } from '../app/hooks';
import { reasonText } from '../reasons';
import { userWords } from '../state/provider';

/**
 * First run, or the model server is down: say how to fix it. It comes and
 * goes with the server (provider_status), no reload needed.
 */
export function ProviderHelp({ onSettings }: { onSettings: () => void }) {
  const client = useClient();
  const models = useHearth((s) => s.models);
  const settings = useHearth((s) => s.settings);
  if (!models.error || models.status === 'ok') return null;
  const url = settings?.provider_url || models.url || '';
  const sentence = userWords(reasonText(models.error?.reason ?? 'provider_unreachable', models.error?.detail));
  const unreachable = models.error?.reason !== 'provider_error';
  return (
    <section className="provider-help" role="alert" aria-label="Model server not reachable">
      <h2>{unreachable ? 'No model server answers' : 'The model server fails'}</h2>
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
