// Agents in the UI (docs/agents.md): who answers a new chat (the built-in
// model or an agent), the agent of a chat in its header and its settings,
// the agent's name on its answers, and the agents in the app's settings.

import { useEffect, useState } from 'react';
import { useClient, useHearth } from '../app/hooks';
import { type Agent, agentChoices, agentOptionLabel, agentStateWord, answerAgent, answeredBy, chatAgent } from '../state/agents';
import type { ViewMessage } from '../state/store';
import './agents.css';

const BUILT_IN = 'Built-in model';

/** The agent a chat is bound to, with its state as the server last said ('' and undefined: the built-in model). */
function useChatAgent(chatId: string | null): { name: string; agent: Agent | undefined } {
  const name = useHearth((s) => (chatId ? chatAgent(s.chats[chatId]) : (s.draftAgent ?? '')));
  const agent = useHearth((s) => (name ? s.agents?.find((a) => a.name === name) : undefined));
  return { name, agent };
}

/** Whether the chat (null: the draft) is answered by an agent: its model picker then has no say. */
export function useAgentChat(chatId: string | null): boolean {
  return useChatAgent(chatId).name !== '';
}

/**
 * The draft's "Answered by" picker, in the header: the built-in model or an
 * agent. Shown once the server lists an agent; asks for the list again each
 * time a draft opens and when the picker is opened, so an agent that came
 * or went meanwhile is right.
 */
export function DraftAgentPicker() {
  const client = useClient();
  const agents = useHearth((s) => s.agents);
  const draftAgent = useHearth((s) => s.draftAgent) ?? '';

  useEffect(() => {
    void client.refreshAgents();
  }, [client]);

  const choices = agentChoices(agents, draftAgent);
  if (choices.length === 0) return null;
  const chosen = choices.find((a) => a.name === draftAgent);
  return (
    <label className="model-picker agent-picker">
      <span className="sr-only">Answered by</span>
      <select
        aria-label="Answered by"
        value={draftAgent}
        title={chosen ? agentTitle(chosen) : 'The model Hearth talks to (Settings → Model server)'}
        onMouseDown={() => void client.refreshAgents()}
        onFocus={() => void client.refreshAgents()}
        onChange={(e) => client.setDraftAgent(e.target.value || null)}
      >
        <option value="">{BUILT_IN}</option>
        <optgroup label="Agents">
          {choices.map((a) => (
            <option key={a.name} value={a.name}>
              {agentOptionLabel(a)}
            </option>
          ))}
        </optgroup>
      </select>
    </label>
  );
}

function agentTitle(a: Agent): string {
  const state = a.online ? 'online' : 'offline: a message is kept, and the answer says the agent is not connected';
  return `${a.description ? `${a.description} — ` : ''}agent ${a.name}, ${state}`;
}

/**
 * In the header of a chat bound to an agent (or a draft that will be), in
 * the model picker's place: the agent's name and whether it is connected.
 * The model picker is hidden because the agent chooses its own model.
 */
export function AgentHeader({ chatId }: { chatId: string | null }) {
  const { name, agent } = useChatAgent(chatId);
  if (!name) return null;
  // A draft names its agent in its picker already.
  const draft = chatId === null;
  const state = agentStateWord(agent);
  const why = 'The agent answers with its own model; switch to the built-in model in the chat settings.';
  return (
    <span
      className={`agent-head ${state}`}
      role="group"
      aria-label={`Agent ${name}, ${state === 'unknown' ? 'not listed' : state}`}
      title={`${agent?.description ? `${agent.description}\n` : ''}${why}`}
    >
      <span className="dot" aria-hidden="true" />
      {!draft && <span className="agent-head-name">{name}</span>}
      <span className="agent-head-state">{state === 'unknown' ? 'not listed' : state}</span>
      <span className="agent-head-why">· picks its own model</span>
    </span>
  );
}

/** The answer's author on its meta line: the model, or "agent NAME". */
export function AnswerBy({ m }: { m: ViewMessage }) {
  const chatAgentName = useHearth((s) => chatAgent(s.chats[m.chat_id]));
  const agents = useHearth((s) => s.agents);
  const by = answeredBy(m.model, chatAgentName, agents);
  if (!by) return null;
  return <span className={by === m.model ? undefined : 'answer-agent'}>{by}</span>;
}

/** The agent that wrote an answer, or null when the built-in model did. */
export function useAnswerAgent(m: ViewMessage): string | null {
  const chatAgentName = useHearth((s) => chatAgent(s.chats[m.chat_id]));
  const agents = useHearth((s) => s.agents);
  return answerAgent(m.model, chatAgentName, agents);
}

/**
 * In a chat's settings: who answers it. A change applies at once
 * (update_chat {agent}); the messages so far stay, and the next answer
 * comes from the new choice.
 */
export function ChatAgentSection({ chatId }: { chatId: string }) {
  const client = useClient();
  const agents = useHearth((s) => s.agents);
  const current = useHearth((s) => chatAgent(s.chats[chatId]));
  const [status, setStatus] = useState<{ err: boolean; text: string } | null>(null);

  const choices = agentChoices(agents, current);
  const set = async (agent: string) => {
    const err = await client.setChatAgent(chatId, agent);
    setStatus(err ? { err: true, text: err } : { err: false, text: agent ? `Agent ${agent} answers from the next message on.` : 'The built-in model answers from the next message on.' });
  };

  return (
    <div className="chat-agent">
      <label>
        <span>Answered by</span>
        <select value={current} aria-label="Answered by" onChange={(e) => void set(e.target.value)} onFocus={() => void client.refreshAgents()}>
          <option value="">{BUILT_IN}</option>
          {choices.length > 0 && (
            <optgroup label="Agents">
              {choices.map((a) => (
                <option key={a.name} value={a.name}>
                  {agentOptionLabel(a)}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      {current ? (
        <p className="field-note">The agent {current} answers this chat with its own model; the system prompt and model below are sent to it with each turn, for it to use or leave.</p>
      ) : choices.length === 0 ? (
        <p className="field-note">No agents yet. A local program can answer chats too: see docs/agents.md.</p>
      ) : null}
      {status && <p className={status.err ? 'mcp-error' : 'field-note'} role="status">{status.text}</p>}
    </div>
  );
}

/** In the app's settings: the agents Hearth knows, whether each is connected, what it says it does. */
export function AgentsSettingsSection() {
  const agents = useHearth((s) => s.agents);
  return (
    <section aria-labelledby="agents-settings-title">
      <h3 className="settings-sub" id="agents-settings-title">
        Agents
      </h3>
      {!agents ? (
        <p className="field-note">This Hearth does not report agents.</p>
      ) : agents.length === 0 ? (
        <p className="field-note">No agents have connected yet.</p>
      ) : (
        <ul className="tools-list" aria-label="Agents">
          {agents.map((a) => (
            <li key={a.name} data-agent={a.name}>
              <div className="mcp-server-head">
                <span className="mcp-server-name">{a.name}</span>
                <span className={`agent-state ${a.online ? 'online' : 'offline'}`}>{a.online ? 'online' : 'offline'}</span>
              </div>
              {a.description && <p className="agent-desc">{a.description}</p>}
            </li>
          ))}
        </ul>
      )}
      <p className="field-note">
        An agent is a local program that answers the chats bound to it, over Hearth’s socket; Hearth keeps, streams and searches its chats like the
        model’s. Choose one for a new chat beside the model picker. To write one, or have Hearth start one (<code>[[agents]]</code> in config.toml), see
        docs/agents.md.
      </p>
    </section>
  );
}
