// What the scenarios do with a page, the way a user would, and how they read
// what it and the server hold.

import assert from 'node:assert/strict';
import { eventually, runHearthCLI } from './lib.mjs';
import { S } from './suite.mjs';

export const answers = (page) => page.getByRole('article', { name: 'Answer' });
export const userMessages = (page) => page.getByRole('article', { name: 'Your message' });

export const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The button that opens a chat in the sidebar (its name is the title, then the time). */
export const chatButton = (page, title) =>
  page.getByRole('navigation', { name: 'Chat list' }).getByRole('button', { name: new RegExp(`^${esc(title)}(,| |$)`) });

/** Clicks New chat: a draft opens, which its first message (send) stores as a chat. */
export async function newChat(page) {
  await page.getByRole('button', { name: 'New chat', exact: true }).click();
  await page.getByRole('heading', { name: /^(Start the conversation|Welcome to Hearth)$/ }).waitFor();
  await eventually(() => page.evaluate(() => window.__hearth.getState().activeChatId === null), { message: 'the draft to open' });
}

/**
 * A stored chat with no message yet, open: for a scenario that acts on the
 * chat (renames it, sends to it by id) before anything is said in it.
 */
export async function newStoredChat(page) {
  await newChat(page);
  const id = await page.evaluate(() => window.__hearth.createChat());
  assert.ok(id, 'new_chat stored the draft');
  await chatButton(page, 'New chat').and(page.locator('[aria-current="page"]')).waitFor();
  return id;
}

export async function send(page, text) {
  const box = page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill(text);
  await box.press('Enter');
}

export async function lastAnswerText(page) {
  const a = answers(page).last();
  return (await a.locator('.answer').textContent({ timeout: 2000 }).catch(() => '')) ?? '';
}

export async function waitTurnDone(page) {
  await eventually(async () => (await page.getByRole('button', { name: 'Stop reply' }).count()) === 0, {
    message: 'the turn to end',
  });
}

/** The open chat as the page's store holds it. */
export function openChat(page) {
  return page.evaluate(() => {
    const st = window.__hearth.getState();
    const v = st.views[st.activeChatId];
    const last = v?.messages.at(-1);
    return { id: st.activeChatId, count: v?.messages.length ?? 0, running: !!v?.runningTurnId, last: last && { role: last.role, status: last.status } };
  });
}

/**
 * Sends a message to the open chat and waits until its answer has ended:
 * the store holds the question and a finished answer after what it held
 * before, and no reply is running.
 */
export async function sendAndWait(page, text) {
  const before = (await openChat(page)).count;
  await send(page, text);
  await answerDone(page, before, text);
}

/** Waits until the open chat holds a finished answer after the `before` messages it held. */
export async function answerDone(page, before, what = 'the message') {
  await eventually(
    async () => {
      const c = await openChat(page);
      return c.count >= before + 2 && !c.running && c.last?.role === 'assistant' && c.last.status !== 'streaming';
    },
    { message: `the answer to "${what}" to end` },
  );
  await waitTurnDone(page);
}

/**
 * Records, from inside the page as it renders, whether an element matching
 * `check` ever appeared: a state that lasts only while the model streams is
 * caught whenever it is rendered, however slowly the test itself runs.
 */
export async function watchFor(page, name, check) {
  await page.evaluate(
    ({ name, src }) => {
      const fn = new Function(`return (${src})`)();
      window.__seen ??= {};
      window.__seen[name] = false;
      const look = () => {
        if (!window.__seen[name] && fn()) window.__seen[name] = true;
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      look();
    },
    { name, src: check.toString() },
  );
  return () => eventually(() => page.evaluate((name) => window.__seen[name], name), { message: `the page to show ${name}` });
}

/** The stored text of a chat's last answer, read with `hearth export` (what the server kept). */
export async function storedLastAnswer(chatId) {
  const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['export', '--format', 'json', chatId]);
  assert.equal(out.code, 0, `hearth export: ${out.stderr}`);
  const doc = JSON.parse(out.stdout);
  const answer = doc.messages.filter((m) => m.role === 'assistant').at(-1);
  return { content: answer?.content ?? '', status: answer?.status };
}

export const words = (t) => t.trim().split(/\s+/).join(' ');
