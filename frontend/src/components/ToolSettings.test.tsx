import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import { ClientContext } from '../app/hooks';
import type { HearthClient } from '../app/client';
import { type State, initialState } from '../state/store';
import { ChatToolsSection, McpSettingsSection } from './ToolSettings';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function state(): State {
  const s = initialState();
  return {
    ...s,
    chats: {
      k: {
        id: 'k',
        title: 't',
        model: '',
        system: '',
        pinned: false,
        archived: false,
        params: {},
        created_at: '',
        updated_at: '',
        last_seq: 0,
        message_count: 0,
        running: false,
        tools_off: ['notes', 'gone'],
      },
    },
    tools: {
      servers: {
        config_path: '/home/u/.config/hearth/mcp.json',
        items: [
          {
            name: 'files',
            transport: 'stdio',
            state: 'ready',
            restarts: 0,
            tools: [
              { name: 'read_file', read_only: true, destructive: false, auto_approve: true },
              { name: 'write_file', read_only: false, destructive: true, auto_approve: false },
            ],
          },
          { name: 'notes', transport: 'stdio', state: 'failed', error: 'exit status 1', stderr_tail: 'Error: cannot find module x', restarts: 3, tools: [] },
        ],
      },
      grants: [{ server: 'files', tool: 'write_file', created_at: '2026-01-01T00:00:00Z' }],
    },
  };
}

async function render(el: React.ReactElement) {
  const s = state();
  const client = {
    getState: () => s,
    subscribe: () => () => {},
    setToolsOff: vi.fn(async () => null),
    revokeToolGrant: vi.fn(async () => null),
  };
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  await act(async () => root.render(<ClientContext.Provider value={client as unknown as HearthClient}>{el}</ClientContext.Provider>));
  return { host, client, unmount: () => act(() => root.unmount()) };
}

describe('McpSettingsSection', () => {
  it('shows each server with its state, a failed one with its error and stderr, tools with their marks, the file, and the grants', async () => {
    const { host, client, unmount } = await render(<McpSettingsSection />);
    const text = host.textContent ?? '';
    expect(text).toContain('/home/u/.config/hearth/mcp.json');
    const files = host.querySelector('[data-server="files"]')!;
    expect(files.textContent).toContain('ready');
    expect(files.textContent).toMatch(/read_fileread-onlyauto-approved/);
    expect(files.textContent).toMatch(/write_filecan change or delete/);
    const notes = host.querySelector('[data-server="notes"]')!;
    expect(notes.textContent).toContain('failed');
    expect(notes.textContent).toContain('exit status 1');
    expect(notes.querySelector('pre')!.textContent).toBe('Error: cannot find module x');
    expect(notes.textContent).toContain('restarted 3 times');
    await act(async () => host.querySelector<HTMLButtonElement>('button[aria-label="Revoke files · write_file"]')!.click());
    expect(client.revokeToolGrant).toHaveBeenCalledWith('files', 'write_file');
    unmount();
  });
});

describe('ChatToolsSection', () => {
  it('switches a server on unless the chat has it off, and keeps names no longer configured', async () => {
    const { host, client, unmount } = await render(<ChatToolsSection chatId="k" />);
    const files = host.querySelector<HTMLInputElement>('input[aria-label="Tools of files"]')!;
    const notes = host.querySelector<HTMLInputElement>('input[aria-label="Tools of notes"]')!;
    expect(files.checked).toBe(true);
    expect(notes.checked).toBe(false);
    await act(async () => files.click());
    expect(client.setToolsOff).toHaveBeenCalledWith('k', ['notes', 'gone', 'files']);
    await act(async () => notes.click());
    expect(client.setToolsOff).toHaveBeenLastCalledWith('k', ['gone']);
    unmount();
  });
});
