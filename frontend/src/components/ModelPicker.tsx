import { useClient, useHearth } from '../app/hooks';

export function ModelPicker({ chatId }: { chatId: string | null }) {
  const client = useClient();
  const models = useHearth((s) => s.models);
  const chatModel = useHearth((s) => (chatId ? s.chats[chatId]?.model : undefined));
  const defaultModel = useHearth((s) => s.settings?.model ?? '');
  const current = chatModel || defaultModel;

  const options = [...models.items];
  if (current && !options.includes(current)) options.unshift(current);

  return (
    <label className="model-picker">
      <span className="sr-only">Model</span>
      <select
        aria-label="Model"
        value={current}
        disabled={!chatId || options.length === 0}
        onChange={(e) => chatId && void client.setModel(chatId, e.target.value)}
      >
        {options.length === 0 && <option value="">{models.status === 'loading' ? 'Loading models…' : 'No models'}</option>}
        {options.map((m) => (
          <option key={m} value={m}>
            {m}
            {!models.items.includes(m) && models.status === 'ok' ? ' (not offered)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
