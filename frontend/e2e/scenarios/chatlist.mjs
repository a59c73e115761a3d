// The chat list as a new user meets it: Stop answers at once, New chat
// stores nothing until the first message, and every chat can be reached by
// scrolling the sidebar, however many there are.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, freePort, runHearthCLI, stop } from '../lib.mjs';
import { chatButton, lastAnswerText, newChat, send, sendAndWait, waitTurnDone } from '../page.mjs';
import { S, newContext, scenarioList, startServerAt } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

/** The sidebar's chat rows. */
const rows = (page) => page.getByRole('navigation', { name: 'Chat list' }).locator('li[data-chat-id]');

/** Rows `hearth ls` prints for the server on root (list_chats over its socket), header left out. */
async function lsRows(root, ...args) {
  const out = await runHearthCLI(S.bins.hearth, root, ['ls', ...args]);
  assert.equal(out.code, 0, `hearth ls: ${out.stderr}`);
  return out.stdout.trim().split('\n').slice(1).filter(Boolean);
}

/** A round trip on the page's own connection: a new_chat it sent before has been answered by then. */
const settle = (page) => page.evaluate(() => window.__hearth.refreshChats());

/** Opens the app of a server of its own, for a chat list no other scenario writes to. */
async function ownServer(name) {
  const root = join(S.tmp.dir, name);
  const srv = await startServerAt(root, await freePort());
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  // Every frame the page sends and receives, to match replies to requests.
  const frames = { sent: [], received: [] };
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => frames.sent.push(JSON.parse(String(f.payload))));
    ws.on('framereceived', (f) => frames.received.push(JSON.parse(String(f.payload))));
  });
  await page.goto(srv.info.ui);
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  await eventually(async () => (await page.getByText('Loading chats…').count()) === 0, { message: 'the chat list' });
  return {
    root,
    page,
    frames,
    close: async () => {
      await ctx.close();
      await stop(srv.proc);
    },
  };
}

scenario('Stop gets its reply: no "did not answer in time" after a stop', async () => {
  const app = await ownServer('stop-reply');
  try {
    const { page, frames } = app;
    await newChat(page);
    await send(page, 'Tell me a slow story');
    const stopBtn = page.getByRole('button', { name: 'Stop reply' });
    await stopBtn.waitFor();
    await eventually(async () => (await lastAnswerText(page)).length > 20, { message: 'some streamed text' });
    await stopBtn.click();
    // The cancel the click sent, and the one reply carrying its req_id.
    const cancel = await eventually(() => frames.sent.find((f) => f.type === 'cancel'), { message: 'the cancel frame' });
    assert.ok(cancel.req_id, 'the cancel carries a req_id');
    const reply = await eventually(() => frames.received.find((f) => f.req_id === cancel.req_id), { message: 'the reply to the cancel' });
    assert.equal(reply.event, 'cancel_accepted', `reply to cancel: ${JSON.stringify(reply)}`);
    assert.equal(reply.chat_id, cancel.chat_id);
    assert.equal(reply.turn_id, cancel.turn_id);
    await page.getByText('Stopped', { exact: true }).waitFor();
    await waitTurnDone(page);
    // The page holds no request waiting for a reply that would time out into
    // "Could not stop the reply: the server did not answer in time".
    const replies = frames.received.filter((f) => f.req_id === cancel.req_id);
    assert.equal(replies.length, 1, 'exactly one reply to the cancel');
    await settle(page);
    assert.equal(await page.getByText(/did not answer in time|Could not stop the reply/).count(), 0, 'no stop error shown');
  } finally {
    await app.close();
  }
});

scenario('New chat stores nothing until the first message', async () => {
  const app = await ownServer('new-chat-draft');
  try {
    const { page, root } = app;
    // The first chat, from a draft.
    await newChat(page);
    await sendAndWait(page, 'First chat, say hello');
    await eventually(async () => (await rows(page).count()) === 1, { message: 'one chat in the sidebar' });
    assert.equal((await lsRows(root)).length, 1, 'hearth ls lists the one chat');

    // Three clicks on New chat: a draft each time, nothing stored.
    for (let i = 0; i < 3; i++) {
      await newChat(page);
      await page.getByRole('heading', { name: 'Start the conversation' }).waitFor();
    }
    await settle(page);
    assert.equal(await rows(page).count(), 1, 'the sidebar shows no new chat');
    assert.equal((await lsRows(root)).length, 1, 'hearth ls shows no new chat');
    assert.equal(await page.getByRole('navigation', { name: 'Chat list' }).locator('[aria-current="page"]').count(), 0, 'no row is open: the draft is');

    // The draft remembers a model picked for it; the first message stores
    // exactly one chat, with that model.
    const picker = page.getByRole('combobox', { name: 'Model' });
    await picker.selectOption('llmtest-r1');
    await sendAndWait(page, 'Second chat, from the draft');
    await eventually(async () => (await rows(page).count()) === 2, { message: 'exactly one more chat in the sidebar' });
    assert.equal((await lsRows(root)).length, 2, 'hearth ls lists exactly one more chat');
    const model = await page.evaluate(() => {
      const s = window.__hearth.getState();
      return s.chats[s.activeChatId]?.model;
    });
    assert.equal(model, 'llmtest-r1', 'the chat has the model picked in its draft');
    await settle(page);
    assert.equal(await rows(page).count(), 2);
  } finally {
    await app.close();
  }
});

scenario('the sidebar pages the chat list as it scrolls, so no chat is hidden', async () => {
  const app = await ownServer('many-chats');
  try {
    const { page, root } = app;
    const total = 230;
    // Chats made by another client over a raw socket, oldest first.
    await page.evaluate(async (n) => {
      const ep = window.__hearth.endpoint;
      const u = new URL(ep.ws);
      u.searchParams.set('token', ep.token);
      const ws = new WebSocket(u);
      await new Promise((res, rej) => {
        ws.onopen = res;
        ws.onerror = rej;
      });
      let left = n;
      const done = new Promise((res) => {
        ws.onmessage = (m) => {
          const ev = JSON.parse(m.data);
          if (ev.event === 'attached' && --left === 0) res();
        };
      });
      for (let i = 0; i < n; i++) ws.send(JSON.stringify({ type: 'new_chat', title: `Paged chat ${String(i).padStart(3, '0')}`, req_id: `p${i}` }));
      await done;
      ws.close();
    }, total);
    assert.equal((await lsRows(root, '--all')).length, total, 'hearth ls --all lists every chat');
    // A fresh load shows the first page only, and says more exist.
    await page.reload();
    await eventually(async () => (await rows(page).count()) > 0, { message: 'the first page' });
    const first = await rows(page).count();
    assert.ok(first < total, `the first page is a page (${first} rows)`);
    await page.getByRole('button', { name: 'Show older chats' }).waitFor();
    // Scrolling to the end loads the rest, page by page, down to the oldest.
    const list = page.getByRole('navigation', { name: 'Chat list' });
    await eventually(
      async () => {
        await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        return (await rows(page).count()) === total;
      },
      { message: `all ${total} chats after scrolling` },
    );
    await chatButton(page, 'Paged chat 000').waitFor();
    assert.equal(await page.getByRole('button', { name: /Show older chats|Loading older chats/ }).count(), 0, 'the end of the list');
    const distinct = await rows(page).evaluateAll((els) => new Set(els.map((e) => e.getAttribute('data-chat-id'))).size);
    assert.equal(distinct, total, 'each chat once');
  } finally {
    await app.close();
  }
});
