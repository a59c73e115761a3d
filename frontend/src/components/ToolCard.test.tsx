import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import { ClientContext } from '../app/hooks';
import type { HearthClient } from '../app/client';
import { initialState } from '../state/store';
import type { ToolView } from '../state/tools';
import { ToolCard } from './ToolCard';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function fakeClient() {
  const s = { ...initialState(), clientId: 'me' };
  return { getState: () => s, subscribe: () => () => {}, approve: vi.fn(async () => null as string | null) };
}

async function render(el: React.ReactElement, client = fakeClient()) {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  await act(async () => root.render(<ClientContext.Provider value={client as unknown as HearthClient}>{el}</ClientContext.Provider>));
  return { host, client, unmount: () => act(() => root.unmount()) };
}

const base: ToolView = { call_id: 'c1', seq: 3, server: 'files', name: 'write_file', arguments: { path: '/tmp/x' }, offset: 0 };
const expires = () => new Date(Date.now() + 125_000).toISOString();

describe('ToolCard', () => {
  it('shows tool output as text, never as HTML, collapsed until asked', async () => {
    const evil = '<img src=x onerror="alert(1)"><b>bold</b> **not markdown**';
    const { host, unmount } = await render(<ToolCard call={{ ...base, status: 'ok', content: evil, duration_ms: 40 }} chatId="k" turnOver />);
    expect(host.textContent).toContain('files');
    expect(host.textContent).toContain('write_file');
    expect(host.textContent).toContain('Done');
    expect(host.textContent).toContain('40 ms');
    expect(host.textContent).not.toContain('not markdown');
    const toggle = [...host.querySelectorAll('button')].find((b) => b.textContent?.startsWith('▸Result'))!;
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await act(async () => toggle.click());
    expect(host.querySelector('.tool-result pre')!.textContent).toBe(evil);
    expect(host.querySelector('.tool-result img')).toBeNull();
    expect(host.querySelector('.tool-result b')).toBeNull();
    unmount();
  });

  it('shows only raster images from data URLs', async () => {
    const images = [
      { mime: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' },
      { mime: 'image/svg+xml', url: 'data:image/svg+xml;base64,PHN2Zz4=' },
      { mime: 'image/png', url: 'https://example.com/x.png' },
    ];
    const { host, unmount } = await render(<ToolCard call={{ ...base, status: 'ok', content: '', images }} chatId="k" turnOver />);
    await act(async () => host.querySelector<HTMLButtonElement>('.tool-toggle[aria-expanded="false"]')!.click());
    const imgs = host.querySelectorAll('.tool-result img');
    expect(imgs).toHaveLength(1);
    expect(imgs[0]!.getAttribute('src')).toBe(images[0]!.url);
    unmount();
  });

  it('asks with four choices, the hint in words and the time left, and focuses the first choice', async () => {
    const { host, client, unmount } = await render(
      <ToolCard call={{ ...base, approval: { hints: { read_only: false, destructive: true }, expires_at: expires() } }} chatId="k" turnOver={false} />,
    );
    const labels = [...host.querySelectorAll('.tool-choices button')].map((b) => b.textContent);
    expect(labels).toEqual(['Allow once', 'Allow for this chat', 'Always allow', 'Deny']);
    expect(host.textContent).toContain('The server says this tool can change or delete things.');
    expect(host.querySelector('.tool-expiry')!.textContent).toMatch(/Denied in 2:0[45] without an answer/);
    expect(document.activeElement?.textContent).toBe('Allow once');
    await act(async () => (host.querySelectorAll('.tool-choices button')[1] as HTMLButtonElement).click());
    expect(client.approve).toHaveBeenCalledWith('k', 'c1', 'chat');
    unmount();
  });

  it('leaves the focus where the user types or works', async () => {
    const ta = document.createElement('textarea');
    const side = document.createElement('button');
    document.body.append(ta, side);
    ta.focus();
    let r = await render(<ToolCard call={{ ...base, call_id: 'typing', approval: { hints: { read_only: true, destructive: false }, expires_at: expires() } }} chatId="k" turnOver={false} />);
    expect(document.activeElement).toBe(ta);
    r.unmount();
    side.focus();
    r = await render(<ToolCard call={{ ...base, call_id: 'in-list', approval: { hints: { read_only: true, destructive: false }, expires_at: expires() } }} chatId="k" turnOver={false} />);
    expect(document.activeElement).toBe(side);
    r.unmount();
    ta.remove();
    side.remove();
  });

  it('takes the focus once per call, not again when the card is mounted again', async () => {
    (document.activeElement as HTMLElement | null)?.blur();
    const call = { ...base, call_id: 'once', approval: { hints: { read_only: true, destructive: false }, expires_at: expires() } };
    let r = await render(<ToolCard call={call} chatId="k" turnOver={false} />);
    expect(document.activeElement?.textContent).toBe('Allow once');
    r.unmount();
    (document.activeElement as HTMLElement | null)?.blur();
    r = await render(<ToolCard call={call} chatId="k" turnOver={false} />);
    expect(document.activeElement).toBe(document.body);
    r.unmount();
  });

  it('says briefly when another window answered first', async () => {
    const client = fakeClient();
    client.approve.mockResolvedValueOnce('Already answered.');
    const { host, unmount } = await render(
      <ToolCard call={{ ...base, approval: { hints: { read_only: true, destructive: false }, expires_at: expires() } }} chatId="k" turnOver={false} />,
      client,
    );
    await act(async () => host.querySelector<HTMLButtonElement>('.tool-choices button')!.click());
    expect(host.querySelector('.tool-approval-err')!.textContent).toBe('Already answered.');
    unmount();
  });

  it('names why a call ran unasked, who answered, and a call the reply left behind', async () => {
    let r = await render(<ToolCard call={{ ...base, allowed_by: 'auto_approve' }} chatId="k" turnOver />);
    expect(r.host.textContent).toContain('Allowed by autoApprove in mcp.json');
    expect(r.host.textContent).toContain('Interrupted');
    r.unmount();
    r = await render(
      <ToolCard
        call={{ ...base, approval: { hints: { read_only: true, destructive: false }, expires_at: expires(), decision: 'always', by: 'me' }, status: 'error', content: 'EACCES: permission denied\nstack…' }}
        chatId="k"
        turnOver
      />,
    );
    expect(r.host.textContent).toContain('Always allowed by you');
    expect(r.host.textContent).toContain('Failed: EACCES: permission denied');
    r.unmount();
  });
});
