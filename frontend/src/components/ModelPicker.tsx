import { useEffect } from 'react';
import { useClient, useHearth } from '../app/hooks';
import { pickModel } from '../state/provider';
import { ModelPanel } from './ModelPanel';
import { modelFacts } from './modelInfo';

export function ModelPicker({ chatId }: { chatId: string | null }) {
  const client = useClient();
  const models = useHearth((s) => s.models);
  const chatModel = useHearth((s) => (chatId ? s.chats[chatId]?.model : undefined));
  // No model has answered here yet (nothing was said, or every reply
  // failed): a model that is not offered can be replaced without changing
  // who answered before.
  const fresh = useHearth((s) => {
    if (!chatId) return true;
    const v = s.views[chatId];
    if (!v?.loaded) return (s.chats[chatId]?.message_count ?? 0) === 0;
    return !v.hasMore && !v.messages.some((m) => m.role === 'assistant' && m.status !== 'error');
  });
  const defaultModel = useHearth((s) => s.settings?.model ?? '');
  // No chat: a draft (New chat), whose model is kept until its first message creates it.
  const draftModel = useHearth((s) => s.draftModel);
  const named = (chatId ? chatModel : draftModel) || defaultModel;
  const offered = models.status === 'ok' ? models.items : [];
  const current = pickModel(named, offered, defaultModel, fresh);

  // After the server came back or its URL was fixed, a new chat's model that
  // is not offered ("llama3.2 (not offered)") becomes one that is.
  useEffect(() => {
    if (chatId && chatModel !== undefined && current !== named) void client.setModel(chatId, current);
  }, [chatId, chatModel, current, named, client]);

  const options = [...models.items];
  if (current && !options.includes(current)) options.unshift(current);

  const choose = (m: string) => (chatId ? void client.setModel(chatId, m) : client.setDraftModel(m));

  return (
    <div className="model-picker-wrap">
      <label className="model-picker">
        <span className="sr-only">Model</span>
        <select
          aria-label="Model"
          value={current}
          disabled={options.length === 0}
          title={modelFacts(models.info?.[current]).join(' · ') || undefined}
          onChange={(e) => choose(e.target.value)}
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
      <ModelPanel current={current} onChoose={choose} />
    </div>
  );
}
