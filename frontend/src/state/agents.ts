// Agents (docs/agents.md): local programs that answer the chats bound to
// them. The list as the server last told it, kept current by agent_online /
// agent_offline, and how a chat, a draft or an answer names its agent. Pure.

import type { EventOf } from '../protocol';
import type { Agent } from '../protocol.gen';

export type { Agent };

export type AgentEvent = EventOf<'agents' | 'agent_online' | 'agent_offline'>;

/**
 * Applies one agents event to the list (null: the server has not said yet).
 * `agents` replaces it; online/offline change one agent's state, and an
 * agent never listed before (it connected first, or the list is not in yet)
 * is added with no description, which the next list fills in.
 */
export function reduceAgents(list: readonly Agent[] | null, ev: AgentEvent): Agent[] {
  if (ev.event === 'agents') return sortAgents(ev.items ?? []);
  const online = ev.event === 'agent_online';
  const have = list ?? [];
  if (!have.some((a) => a.name === ev.name)) return sortAgents([...have, { name: ev.name, description: '', online }]);
  return have.map((a) => (a.name === ev.name && a.online !== online ? { ...a, online } : a));
}

function sortAgents(items: readonly Agent[]): Agent[] {
  return items.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The agent a chat is bound to; '' is the built-in model. */
export function chatAgent(chat: { agent?: string } | undefined): string {
  return chat?.agent?.trim() ?? '';
}

/** An agent's state in a word. Unknown: a chat names an agent the server does not list. */
export function agentStateWord(a: Agent | undefined): 'online' | 'offline' | 'unknown' {
  if (!a) return 'unknown';
  return a.online ? 'online' : 'offline';
}

/** An agent as a choice in a picker: offline ones stay choosable, marked. */
export function agentOptionLabel(a: Agent): string {
  return a.online ? a.name : `${a.name} (offline)`;
}

/**
 * The agents a picker offers: the known ones, plus the chat's own when the
 * server does not list it (a name from an import, or an agent it forgot),
 * so the picker still shows what the chat is bound to.
 */
export function agentChoices(list: readonly Agent[] | null, current: string): Agent[] {
  const items = list ?? [];
  if (!current || items.some((a) => a.name === current)) return items.slice();
  return [...items, { name: current, description: '', online: false }];
}

/**
 * Who wrote an answer, for its meta line. An agent's turns carry its name
 * where a model's carry the model: an answer whose model is the chat's agent
 * (or another agent the server lists, for a chat that switched) is "agent
 * NAME"; anything else is the model's name as it is.
 */
export function answeredBy(model: string | undefined, chatAgentName: string, list: readonly Agent[] | null): string {
  if (!model) return '';
  if (model === chatAgentName || list?.some((a) => a.name === model)) return `agent ${model}`;
  return model;
}

/** The agent that wrote an answer, or null when a model did (see answeredBy). */
export function answerAgent(model: string | undefined, chatAgentName: string, list: readonly Agent[] | null): string | null {
  if (!model) return chatAgentName || null;
  return model === chatAgentName || list?.some((a) => a.name === model) ? model : null;
}
