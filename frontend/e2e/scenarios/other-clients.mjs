// Other clients on the same chats: a second window, a delete in another
// window, the CLI, a bare WebSocket.

import assert from 'node:assert/strict';
import { eventually, runHearthCLI, screenshot } from '../lib.mjs';
import { answers, userMessages, esc, chatButton, newChat, newStoredChat, send, lastAnswerText, waitTurnDone, sendAndWait, words } from '../page.mjs';
import { S, TOKEN, newContext, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

scenario('a second window on the same chat sees the turn live, and can stop it', async ({ page }) => {
  await newStoredChat(page);
  const title = 'shared slow chat';
  // Rename so the other window can find it by name.
  const active = page.getByRole('navigation', { name: 'Chat list' }).getByRole('listitem').filter({ has: page.locator('[aria-current="page"]') });
  await active.hover();
  await active.getByRole('button', { name: /^Rename/ }).click();
  const input = page.getByRole('textbox', { name: 'Chat title' });
  await input.fill(title);
  await input.press('Enter');
  await page.getByRole('heading', { name: title }).waitFor();

  const ctx2 = await newContext({ viewport: { width: 1000, height: 760 } });
  try {
    const page2 = await ctx2.newPage();
    await page2.goto(S.ui);
    await chatButton(page2, title).click();
    await page2.getByRole('heading', { name: title }).waitFor();

    await send(page, 'A slow one for two windows');
    await userMessages(page2).filter({ hasText: 'A slow one for two windows' }).waitFor();
    await eventually(async () => (await lastAnswerText(page2)).length > 10, { message: 'live text in window 2' });
    const a = (await lastAnswerText(page2)).length;
    await eventually(async () => (await lastAnswerText(page2)).length > a, { message: 'text still growing in window 2' });
    await screenshot(page2, '07-second-window');

    await page2.getByRole('button', { name: 'Stop reply' }).click();
    await page.getByText('Stopped', { exact: true }).waitFor();
    await page2.getByText('Stopped', { exact: true }).waitFor();
    await waitTurnDone(page);
    await waitTurnDone(page2);
    assert.equal(await lastAnswerText(page), await lastAnswerText(page2), 'both windows hold the same text');
  } finally {
    await ctx2.close();
  }
});

scenario('a chat deleted in another window says so', async ({ page }) => {
  await newChat(page);
  await sendAndWait(page, 'This chat will be deleted');
  // The server titles a chat after its first message.
  const title = 'This chat will be deleted';
  await page.getByRole('heading', { level: 1, name: title }).waitFor();

  const ctx2 = await newContext();
  try {
    const page2 = await ctx2.newPage();
    await page2.goto(S.ui);
    const row = page2.getByRole('navigation', { name: 'Chat list' }).getByRole('listitem').filter({ has: page2.getByRole('button', { name: new RegExp(`^${esc(title)}`) }) }).first();
    await row.hover();
    await row.getByRole('button', { name: `Delete ${title}` }).click();
    await page2.getByRole('button', { name: 'Undo' }).waitFor();
    // The delete is sent when the undo window closes.
    await page.getByRole('heading', { name: 'This chat was deleted' }).waitFor();
    await screenshot(page, '09-deleted-elsewhere');
    assert.equal(await chatButton(page, title).count(), 0);
  } finally {
    await ctx2.close();
  }
});

/**
 * Opens the chat whose row appears next in the sidebar of `page`, `delay` ms
 * after it appears, the way a user clicks a chat they just saw arrive.
 * Resolves once armed; `window.__openedAt` is set when the click happened.
 */
function openNextChatWhenItAppears(page, delay) {
  return page.evaluate((delay) => {
    const nav = document.querySelector('nav[aria-label="Chat list"]');
    const known = new Set(nav.querySelectorAll('button.chat-open'));
    window.__openedAt = null;
    const mo = new MutationObserver(() => {
      const fresh = [...nav.querySelectorAll('button.chat-open')].find((b) => !known.has(b));
      if (!fresh) return;
      mo.disconnect();
      const open = () => {
        fresh.click();
        window.__openedAt = performance.now();
      };
      if (delay > 0) setTimeout(open, delay);
      else open();
    });
    mo.observe(nav, { childList: true, subtree: true });
  }, delay);
}

/** The transcript holds exactly this question and one complete answer to it, nothing twice. */
async function assertOneTurn(page, prompt) {
  await waitTurnDone(page);
  assert.equal(await userMessages(page).count(), 1, 'one question');
  assert.equal(await answers(page).count(), 1, 'one answer');
  assert.match((await userMessages(page).textContent()) ?? '', new RegExp(esc(prompt)));
  const text = await lastAnswerText(page);
  assert.equal(text.split('You said:').length - 1, 1, `the answer once, not doubled: ${text}`);
  assert.match(text, new RegExp(`You said: ${esc(prompt)}`));
  assert.match(text, /That is all\.$/, `the whole answer: ${text}`);
  assert.equal(await answers(page).locator('[data-streamdown="code-block"]').count(), 1, 'one code block');
  assert.equal(await page.getByRole('heading', { name: 'Start the conversation' }).count(), 0, 'not shown as an empty chat');
}

scenario('a chat the CLI starts shows its question and answer when opened at once or a little later', async ({ page }) => {
  // The turn of the fake model takes about 1.5 s: the first clicks land while it
  // runs (or before the message is even committed), the last after it ended.
  for (const [i, delay] of [0, 0, 150, 500, 1000, 3000].entries()) {
    const prompt = `hello from the terminal, take ${i + 1}`;
    await openNextChatWhenItAppears(page, delay);
    const cli = runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', prompt]);
    await eventually(() => page.evaluate(() => window.__openedAt !== null), { message: `the new chat to be opened (take ${i + 1})` });
    await page.getByRole('heading', { level: 1, name: prompt }).waitFor();
    await userMessages(page).filter({ hasText: prompt }).waitFor();
    await answers(page).filter({ hasText: `You said: ${prompt}` }).waitFor();
    const out = await cli;
    assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
    assert.match(out.stdout, new RegExp(`You said: \\*\\*${esc(prompt)}\\*\\*`));
    await assertOneTurn(page, prompt);
    if (i === 0) await screenshot(page, '09b-chat-from-the-cli');
  }
});

scenario('a chat opened while still empty shows the message another client sends to it, live', async ({ page }) => {
  // Another client: a bare WebSocket from a page on the server's own origin.
  const ctx2 = await newContext();
  try {
    const other = await ctx2.newPage();
    await other.goto(S.server.info.url);
    await other.evaluate(
      async ({ ws, token }) => {
        const sock = new WebSocket(`${ws}?token=${encodeURIComponent(token)}`);
        await new Promise((res, rej) => {
          sock.onopen = res;
          sock.onerror = () => rej(new Error('the WebSocket did not open'));
        });
        const replies = new Map();
        let n = 0;
        sock.onmessage = (m) => {
          const ev = JSON.parse(m.data);
          const r = ev.req_id && replies.get(ev.req_id);
          if (r) {
            replies.delete(ev.req_id);
            r(ev);
          }
        };
        window.__req = (frame) =>
          new Promise((res) => {
            const id = `other-${++n}`;
            replies.set(id, res);
            sock.send(JSON.stringify({ ...frame, req_id: id }));
          });
      },
      { ws: S.server.info.ws, token: TOKEN },
    );
    for (const prompt of ['hello to a chat opened empty', 'slow hello to a chat opened empty']) {
      await openNextChatWhenItAppears(page, 0);
      const created = await other.evaluate(() => window.__req({ type: 'new_chat' }));
      assert.equal(created.event, 'attached', JSON.stringify(created));
      await page.getByRole('heading', { name: 'Start the conversation' }).waitFor();
      const accepted = await other.evaluate((frame) => window.__req(frame), { type: 'message', chat_id: created.chat_id, content: prompt });
      assert.equal(accepted.event, 'message_accepted', JSON.stringify(accepted));
      await userMessages(page).filter({ hasText: prompt }).waitFor();
      if (prompt.startsWith('slow')) {
        // Live: the answer grows on the page while the other client's turn runs.
        await page.getByRole('button', { name: 'Stop reply' }).waitFor();
        await eventually(async () => (await lastAnswerText(page)).length > 20, { message: 'live text' });
        const a = (await lastAnswerText(page)).length;
        await eventually(async () => (await lastAnswerText(page)).length > a, { message: 'the live text growing' });
        await page.getByRole('button', { name: 'Stop reply' }).click();
        await page.getByText('Stopped', { exact: true }).waitFor();
        await waitTurnDone(page);
        assert.equal(await userMessages(page).count(), 1, 'one question');
        assert.equal(await answers(page).count(), 1, 'one answer');
        const partial = await lastAnswerText(page);
        // What the page shows is what the server kept.
        const hist = await other.evaluate((id) => window.__req({ type: 'history', chat_id: id }), created.chat_id);
        assert.deepEqual(
          hist.items.map((m) => [m.role, m.status]),
          [
            ['user', 'done'],
            ['assistant', 'cancelled'],
          ],
        );
        assert.equal(words(partial), words(hist.items[1].content), 'the page shows the text the server kept, once');
      } else {
        await answers(page).filter({ hasText: `You said: ${prompt}` }).waitFor();
        await assertOneTurn(page, prompt);
      }
    }
  } finally {
    await ctx2.close();
  }
});
