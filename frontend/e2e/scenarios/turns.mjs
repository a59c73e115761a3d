// A turn's life in one window: stopped mid-stream, still there after a
// reload, a message queued behind a running turn.

import assert from 'node:assert/strict';
import { eventually, screenshot } from '../lib.mjs';
import { answers, userMessages, newChat, send, lastAnswerText, waitTurnDone, openChat, sendAndWait, storedLastAnswer, words } from '../page.mjs';
import { scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

scenario('stopping mid-stream keeps the partial answer', async ({ page }) => {
  await newChat(page);
  await send(page, 'Tell me a slow story');
  const stopBtn = page.getByRole('button', { name: 'Stop reply' });
  await stopBtn.waitFor();
  await eventually(async () => (await lastAnswerText(page)).length > 20, { message: 'some streamed text' });
  await stopBtn.click();
  await page.getByText('Stopped', { exact: true }).waitFor();
  await waitTurnDone(page);
  const partial = await lastAnswerText(page);
  assert.ok(partial.length > 20, 'partial text kept');
  // Nothing arrives after the stop: the turn has ended, and what the page
  // shows is what the server kept (read back over another connection, which
  // also gives any late frame time to show up wrongly).
  const kept = await storedLastAnswer((await openChat(page)).id);
  assert.equal(kept.status, 'cancelled');
  assert.equal(words(partial), words(kept.content), 'the page shows the text the server kept');
  assert.equal(await lastAnswerText(page), partial, 'nothing arrives after the stop');
  await page.getByRole('button', { name: 'Send message' }).waitFor();
  await screenshot(page, '05-stopped');
});

scenario('a reload finds the chat intact', async ({ page, errors }) => {
  // A chat of its own: an answer with reasoning and code, then one stopped
  // mid-stream.
  await newChat(page);
  await sendAndWait(page, 'Reload check: say hello in Go');
  await send(page, 'slow: reload check, stop me');
  const stopBtn = page.getByRole('button', { name: 'Stop reply' });
  await stopBtn.waitFor();
  await eventually(async () => (await lastAnswerText(page)).length > 20, { message: 'some streamed text' });
  await stopBtn.click();
  await page.getByText('Stopped', { exact: true }).waitFor();
  await waitTurnDone(page);
  const stopped = await lastAnswerText(page);
  const users = await userMessages(page).allTextContents();

  await page.reload();
  await eventually(async () => (await userMessages(page).count()) === users.length, { message: 'messages after reload' });
  assert.deepEqual(await userMessages(page).allTextContents(), users);
  assert.equal(await lastAnswerText(page), stopped, 'the partial answer survived');
  await page.getByText('Stopped', { exact: true }).waitFor();
  // The first answer is still there with its collapsed reasoning and code.
  await page.getByRole('button', { name: /Thought for \d/ }).first().waitFor();
  await answers(page).first().locator('[data-streamdown="code-block"]').waitFor();
  assert.equal(errors.length, 0, `page errors: ${errors.join('; ')}`);
});

scenario('a message typed during a turn is queued, shown as queued, and runs next', async ({ page }) => {
  await newChat(page);
  await send(page, 'slow: first, long');
  await page.getByRole('button', { name: 'Stop reply' }).waitFor();
  await page.getByRole('button', { name: 'Queue message' }).waitFor();
  await send(page, 'queued second question');
  const queued = userMessages(page).filter({ hasText: 'queued second question' });
  await queued.getByText(/^Queued/).waitFor();
  await screenshot(page, '05b-queued');
  // Stop the first turn: the queued one starts and completes.
  await page.getByRole('button', { name: 'Stop reply' }).click();
  await eventually(async () => (await queued.getByText(/^Queued/).count()) === 0, { message: 'the queued turn to start' });
  await eventually(async () => (await answers(page).count()) === 2, { message: 'a second answer' });
  await waitTurnDone(page);
  assert.match(await lastAnswerText(page), /queued second question/);
  await page.getByText('Stopped', { exact: true }).waitFor();
});

scenario('each question is followed by its own answer, live and after a reload', async ({ page }) => {
  await newChat(page);
  // The messages in the order the page shows them. The list is virtualized
  // (only what is on screen is in the DOM), so this reads the order it
  // renders from: the page's store. A question, then the answer to that
  // question (the fake model echoes it), three times.
  const order = async () =>
    page.evaluate(() => {
      const st = window.__hearth.getState();
      return (st.views[st.activeChatId]?.messages ?? []).map((m) => {
        // The slow first answer is numbered words; the others echo their question.
        const text = m.content ?? '';
        const which = /order one|word1 /.test(text) ? 'one' : /order two/.test(text) ? 'two' : /order three/.test(text) ? 'three' : '?';
        const done = m.role !== 'assistant' || (m.status !== 'streaming' && !m.queued) ? '' : '…';
        return (m.role === 'assistant' ? 'A:' : 'Q:') + which + done;
      });
    });
  await send(page, 'slow: order one');
  await page.getByRole('button', { name: 'Stop reply' }).waitFor();
  await send(page, 'order two');
  await send(page, 'order three');
  const waiting = userMessages(page).filter({ hasText: /order (two|three)/ });
  await eventually(async () => (await waiting.getByText(/^Queued/).count()) === 2, { message: 'two queued questions' });
  // Stopped once its first words are in, so the kept answer says which it is.
  await eventually(async () => (await order()).includes('A:one…'), { message: 'the first answer to begin' });
  await page.getByRole('button', { name: 'Stop reply' }).click();
  const want = ['Q:one', 'A:one', 'Q:two', 'A:two', 'Q:three', 'A:three'];
  const showsInOrder = async (what) =>
    eventually(
      async () => {
        const got = await order();
        if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`the page shows ${got}`);
        return true;
      },
      { message: `${what}: ${want}` },
    );
  await showsInOrder('live');
  await waitTurnDone(page);
  await page.reload();
  await showsInOrder('after a reload');
});
