import { describe, expect, it } from 'vitest';
import type { Chat, ServerEvent } from '../protocol';
import { agentChoices, agentOptionLabel, agentStateWord, answerAgent, answeredBy, chatAgent, reduceAgents } from './agents';
import { type Action, initialState, reduce, reduceAll } from './store';

const srv = (ev: ServerEvent): Action => ({ type: 'server', ev, now: 0 });
const echo = { name: 'echo-go', description: 'Echoes your words back, one at a time.', online: true };
const py = { name: 'echo-py', description: 'The Python one.', online: false };

describe('agents reducer', () => {
  it('starts unknown and takes the list sorted by name', () => {
    expect(initialState().agents).toBeNull();
    const s = reduce(initialState(), srv({ event: 'agents', items: [py, echo] }));
    expect(s.agents).toEqual([echo, py]);
  });

  it('agent_online and agent_offline change only that agent', () => {
    let s = reduce(initialState(), srv({ event: 'agents', items: [echo, py] }));
    s = reduce(s, srv({ event: 'agent_offline', name: 'echo-go' }));
    expect(s.agents).toEqual([{ ...echo, online: false }, py]);
    s = reduce(s, srv({ event: 'agent_online', name: 'echo-py' }));
    expect(s.agents).toEqual([{ ...echo, online: false }, { ...py, online: true }]);
    // Its description stays through the changes.
    s = reduce(s, srv({ event: 'agent_online', name: 'echo-go' }));
    expect(s.agents?.find((a) => a.name === 'echo-go')).toEqual(echo);
  });

  it('an agent that comes online unlisted is added with an empty description, in name order', () => {
    let s = reduce(initialState(), srv({ event: 'agents', items: [echo] }));
    s = reduce(s, srv({ event: 'agent_online', name: 'coder' }));
    expect(s.agents).toEqual([{ name: 'coder', description: '', online: true }, echo]);
    // Before any list: the event alone makes one.
    const t = reduce(initialState(), srv({ event: 'agent_online', name: 'coder' }));
    expect(t.agents).toEqual([{ name: 'coder', description: '', online: true }]);
    // The next list fills the description in.
    const u = reduce(t, srv({ event: 'agents', items: [{ name: 'coder', description: 'Writes code.', online: true }] }));
    expect(u.agents).toEqual([{ name: 'coder', description: 'Writes code.', online: true }]);
  });

  it('an offline event for an unlisted agent lists it offline', () => {
    expect(reduceAgents([], { event: 'agent_offline', name: 'gone' })).toEqual([{ name: 'gone', description: '', online: false }]);
  });

  it('a repeated event changes nothing', () => {
    const list = reduceAgents(null, { event: 'agents', items: [echo] });
    const again = reduceAgents(list, { event: 'agent_online', name: 'echo-go' });
    expect(again).toEqual(list);
    expect(again[0]).toBe(list[0]);
  });

  it('the draft agent is chosen and cleared', () => {
    const s = reduceAll(initialState(), [{ type: 'draft_agent', agent: 'echo-go' }]);
    expect(s.draftAgent).toBe('echo-go');
    expect(reduce(s, { type: 'draft_agent', agent: null }).draftAgent).toBeNull();
  });

  it('a chat keeps its agent from chat_created and chat_updated', () => {
    const chat = { id: 'c1', title: 't', model: '', agent: 'echo-go', updated_at: '2026-01-01T00:00:00Z' } as unknown as Chat;
    let s = reduce(initialState(), srv({ event: 'chat_created', chat }));
    expect(chatAgent(s.chats.c1)).toBe('echo-go');
    s = reduce(s, srv({ event: 'chat_updated', chat: { ...chat, agent: '' } }));
    expect(chatAgent(s.chats.c1)).toBe('');
    // The server leaves an empty agent out: absent unbinds the chat too.
    s = reduce(s, srv({ event: 'chat_updated', chat }));
    const { agent: _, ...unbound } = chat;
    s = reduce(s, srv({ event: 'chat_updated', chat: unbound as Chat }));
    expect(chatAgent(s.chats.c1)).toBe('');
  });
});

describe('agents in words', () => {
  it('marks an offline agent as a choice and in a word', () => {
    expect(agentOptionLabel(echo)).toBe('echo-go');
    expect(agentOptionLabel(py)).toBe('echo-py (offline)');
    expect(agentStateWord(echo)).toBe('online');
    expect(agentStateWord(py)).toBe('offline');
    expect(agentStateWord(undefined)).toBe('unknown');
  });

  it('offers the chat’s own agent even when the server does not list it', () => {
    expect(agentChoices(null, '')).toEqual([]);
    expect(agentChoices([echo], 'echo-go')).toEqual([echo]);
    expect(agentChoices([echo], 'old')).toEqual([echo, { name: 'old', description: '', online: false }]);
  });

  it('names an agent’s answers "agent NAME" and a model’s by the model', () => {
    expect(answeredBy('echo-go', 'echo-go', null)).toBe('agent echo-go');
    // A chat moved back to the model: its agent's earlier answers still say so.
    expect(answeredBy('echo-go', '', [echo])).toBe('agent echo-go');
    expect(answeredBy('llama3.2', 'echo-go', [echo])).toBe('llama3.2');
    expect(answeredBy('llama3.2', '', [echo])).toBe('llama3.2');
    expect(answeredBy(undefined, 'echo-go', [echo])).toBe('');
    expect(answerAgent('echo-go', 'echo-go', null)).toBe('echo-go');
    expect(answerAgent('llama3.2', '', [echo])).toBeNull();
    expect(answerAgent(undefined, 'echo-go', null)).toBe('echo-go');
  });
});
