import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import { ClientContext } from '../app/hooks';
import type { HearthClient } from '../app/client';
import { type State, type ViewMessage, emptyView, initialState, reduce } from '../state/store';
import { VersionSwitcher } from './MessageActions';
import { MessageEditor } from './MessageEditor';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const C = 'c1';

function state(running: boolean): State {
  const s = reduce(initialState(), { type: 'conn', status: 'open' });
  return { ...s, views: { [C]: { ...emptyView(C), runningTurnId: running ? 't' : null } } };
}

function fakeClient(s: State) {
  return {
    getState: () => s,
    subscribe: () => () => {},
    switchBranch: vi.fn(async () => null),
    editMessage: vi.fn(async () => null),
  };
}

async function render(el: React.ReactElement, client: ReturnType<typeof fakeClient>) {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  await act(async () => root.render(<ClientContext.Provider value={client as unknown as HearthClient}>{el}</ClientContext.Provider>));
  return { host, unmount: () => act(() => root.unmount()) };
}

const msg = (index: number, extra: Partial<ViewMessage> = {}): ViewMessage => ({
  id: String([10, 20, 30][index]),
  chat_id: C,
  seq: 5,
  role: 'user',
  content: 'the question',
  status: 'done',
  parent_id: 4,
  siblings: { index, count: 3, ids: [10, 20, 30] },
  ...extra,
});

const button = (host: HTMLElement, name: string) => host.querySelector<HTMLButtonElement>(`button[aria-label="${name}"]`)!;

describe('VersionSwitcher', () => {
  it('says which version shows and moves to either neighbour, by click or arrow key', async () => {
    const client = fakeClient(state(false));
    const { host, unmount } = await render(<VersionSwitcher m={msg(1)} />, client);
    expect(host.querySelector('[aria-live]')?.textContent).toBe('Version 2 of 3');
    expect(host.querySelector('.versions-pos')?.textContent).toBe('2 / 3');
    await act(async () => button(host, 'Next version').click());
    expect(client.switchBranch).toHaveBeenLastCalledWith(C, 30);
    const group = host.querySelector('[role="group"]')!;
    await act(async () => group.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true })));
    expect(client.switchBranch).toHaveBeenLastCalledWith(C, 10);
    unmount();
  });

  it('is disabled at either end and absent with one version', async () => {
    const client = fakeClient(state(false));
    const first = await render(<VersionSwitcher m={msg(0)} />, client);
    expect(button(first.host, 'Previous version').disabled).toBe(true);
    expect(button(first.host, 'Next version').disabled).toBe(false);
    first.unmount();
    const last = await render(<VersionSwitcher m={msg(2)} />, client);
    expect(button(last.host, 'Next version').disabled).toBe(true);
    last.unmount();
    const one = await render(<VersionSwitcher m={msg(0, { siblings: { index: 0, count: 1, ids: [10] } })} />, client);
    expect(one.host.textContent).toBe('');
    one.unmount();
  });

  it('waits for a running reply, saying so, and switches nothing', async () => {
    const client = fakeClient(state(true));
    const { host, unmount } = await render(<VersionSwitcher m={msg(1)} />, client);
    const next = button(host, 'Next version');
    expect(next.getAttribute('aria-disabled')).toBe('true');
    expect(next.title).toMatch(/reply/);
    await act(async () => next.click());
    expect(client.switchBranch).not.toHaveBeenCalled();
    unmount();
  });
});

describe('MessageEditor', () => {
  it('holds the text; Enter saves the edit as a new version, Esc cancels', async () => {
    const client = fakeClient(state(false));
    const onClose = vi.fn();
    const { host, unmount } = await render(<MessageEditor m={msg(1)} onClose={onClose} />, client);
    const ta = host.querySelector('textarea')!;
    expect(ta.value).toBe('the question');
    await act(async () => ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(client.editMessage).not.toHaveBeenCalled();
    await act(async () => ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })));
    expect(client.editMessage).toHaveBeenCalledWith(C, 20, 'the question', []);
    expect(onClose).toHaveBeenCalledTimes(2);
    unmount();
  });

  it('does not save while a reply runs', async () => {
    const client = fakeClient(state(true));
    const { host, unmount } = await render(<MessageEditor m={msg(1)} onClose={() => {}} />, client);
    const ta = host.querySelector('textarea')!;
    await act(async () => ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })));
    expect(client.editMessage).not.toHaveBeenCalled();
    expect(host.querySelector('button[type="submit"]')?.getAttribute('title')).toMatch(/reply/);
    unmount();
  });
});
