// A chat as a tree in the browser: a question edited in the middle (the
// later messages give way to the new answer), a switch back to the old
// version, regenerates (one with another model), a fork from an answer, and
// a second window on the same chat moving with the first.

import assert from 'node:assert/strict';
import { eventually, screenshot } from '../lib.mjs';
import { answers, userMessages, newChat, openChat, sendAndWait, waitTurnDone, words } from '../page.mjs';
import { S, newContext, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

/**
 * The path the page shows, read from its store (the list is virtualized):
 * questions by their text, answers as "A" (or "A…" while streaming), and
 * whether a turn runs.
 */
function shownPath(page) {
  return page.evaluate(() => {
    const st = window.__hearth.getState();
    const v = st.views[st.activeChatId];
    return {
      chat: st.activeChatId,
      running: Boolean(v?.runningTurnId),
      path: (v?.messages ?? []).map((m) => (m.role === 'user' ? m.content : m.status === 'streaming' ? 'A…' : 'A')),
    };
  });
}

/** Waits until the page shows exactly `want` (questions' text, "A" for each finished answer) and no turn runs. */
async function showsPath(page, want, what) {
  await eventually(
    async () => {
      const got = await shownPath(page);
      if (got.running || JSON.stringify(got.path) !== JSON.stringify(want)) throw new Error(`the page shows ${JSON.stringify(got)}`);
      return true;
    },
    { message: `${what}: ${JSON.stringify(want)}` },
  );
  await waitTurnDone(page);
}

const question = (page, text) => userMessages(page).filter({ has: page.getByText(text, { exact: true }) });

scenario('edit in the middle, switch back, regenerate, fork — and a second window follows', async ({ page, errors }) => {
  await newChat(page);
  const q = ['branch q1', 'branch q2', 'branch q3'];
  for (const t of q) await sendAndWait(page, t);
  const three = [q[0], 'A', q[1], 'A', q[2], 'A'];
  await showsPath(page, three, 'three exchanges');
  const chatId = (await openChat(page)).id;

  const ctx2 = await newContext({ viewport: { width: 1000, height: 760 } });
  try {
    const page2 = await ctx2.newPage();
    await page2.goto(`${S.ui}&chat=${chatId}`);
    await showsPath(page2, three, 'the second window on the chat');

    // Edit the middle question in place: Enter submits, as in the composer.
    const q2 = question(page, q[1]);
    await q2.hover();
    await q2.getByRole('button', { name: 'Edit message' }).click();
    const box = page.getByRole('textbox', { name: 'Edited message' });
    assert.equal(await box.inputValue(), q[1], 'the editor holds the text');
    // Escape cancels and leaves the message as it was.
    await box.press('Escape');
    await eventually(async () => (await box.count()) === 0, { message: 'the editor to close' });
    await q2.hover();
    await q2.getByRole('button', { name: 'Edit message' }).click();
    await box.fill('branch q2 edited');
    await box.press('Enter');

    const edited = [q[0], 'A', 'branch q2 edited', 'A'];
    await showsPath(page, edited, 'the edit replaces what followed');
    await showsPath(page2, edited, 'the second window moves with the edit');
    assert.match(await answers(page).last().textContent(), /branch q2 edited/, 'the new answer answers the edit');
    const editedQ = question(page, 'branch q2 edited');
    await editedQ.getByText('Version 2 of 2').waitFor();
    await question(page2, 'branch q2 edited').getByText('Version 2 of 2').waitFor();
    assert.ok(await editedQ.getByRole('button', { name: 'Next version' }).isDisabled(), 'no version after the last');
    await screenshot(page, '40-edited-question');

    // Back to the first version from the keyboard: the old messages return, in both windows.
    await editedQ.getByRole('button', { name: 'Previous version' }).focus();
    await page.keyboard.press('Enter');
    await showsPath(page, three, 'the switch back');
    await showsPath(page2, three, 'the second window moves with the switch');
    await question(page, q[1]).getByText('Version 1 of 2').waitFor();
    assert.ok(await question(page, q[1]).getByRole('button', { name: 'Previous version' }).isDisabled(), 'no version before the first');

    // Regenerate the last answer: a second version of it, shown in both windows.
    const lastAnswer = answers(page).last();
    await lastAnswer.getByRole('button', { name: 'Regenerate', exact: true }).click();
    await eventually(async () => (await lastAnswer.getByText('Version 2 of 2').count()) === 1, { message: 'a second version of the answer' });
    await showsPath(page, three, 'the regenerated answer in place of the old one');
    await answers(page2).last().getByText('Version 2 of 2').waitFor();

    // Again, with the other model from the menu beside it.
    await lastAnswer.getByRole('button', { name: 'Regenerate with another model' }).click();
    await page.getByRole('menuitem', { name: 'llmtest-r1' }).click();
    await lastAnswer.getByText('Version 3 of 3').waitFor();
    await showsPath(page, three, 'the answer of the other model');
    await lastAnswer.locator('.msg-meta').getByText('llmtest-r1', { exact: true }).waitFor();
    await screenshot(page, '41-regenerated-answer');

    // Fork from the first answer: a new chat with the path up to it opens.
    await answers(page).first().getByRole('button', { name: 'Fork from here' }).click();
    await eventually(async () => (await shownPath(page)).chat !== chatId, { message: 'the fork to open' });
    await showsPath(page, [q[0], 'A'], 'the fork holds the path up to the answer');
    const fork = await shownPath(page);
    await page.getByRole('navigation', { name: 'Chat list' }).locator('[aria-current="page"]').waitFor();
    // The original is untouched, as the second window still shows it.
    assert.equal((await shownPath(page2)).chat, chatId);
    await showsPath(page2, three, 'the original chat after the fork');
    assert.notEqual(fork.chat, chatId);
    assert.equal(errors.length, 0, `page errors: ${errors.join('; ')}`);
  } finally {
    await ctx2.close();
  }
});

scenario('a stopped answer offers Try again and Continue; branch changes wait for a running reply', async ({ page }) => {
  await newChat(page);
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill('slow: branch stop me');
  await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  await page.getByRole('button', { name: 'Stop reply' }).waitFor();
  // While it runs, the question cannot be edited, and the reason is given.
  const q = userMessages(page).first();
  await q.hover();
  const edit = q.getByRole('button', { name: 'Edit message' });
  await eventually(async () => (await edit.getAttribute('aria-disabled')) === 'true', { message: 'Edit to wait for the reply' });
  assert.match((await edit.getAttribute('title')) ?? '', /reply/);
  await eventually(async () => ((await answers(page).last().textContent()) ?? '').includes('word3'), { message: 'some streamed words' });
  await page.getByRole('button', { name: 'Stop reply' }).click();
  await page.getByText('Stopped', { exact: true }).waitFor();
  await waitTurnDone(page);
  const stopped = answers(page).last();
  await stopped.getByRole('button', { name: 'Continue' }).waitFor();

  // Try again: a new answer beside the stopped one.
  await stopped.getByRole('button', { name: 'Try again' }).click();
  await eventually(async () => (await shownPath(page)).path.join() === 'slow: branch stop me,A…', { message: 'the new answer streaming in place of the stopped one' });
  await eventually(async () => ((await answers(page).last().textContent()) ?? '').includes('word2'), { message: 'words in the new answer' });
  await page.getByRole('button', { name: 'Stop reply' }).click();
  await waitTurnDone(page);
  await answers(page).last().getByText('Version 2 of 2').waitFor();

  // Continue: the model goes on from the kept text, or the server says why it cannot.
  const kept = (await answers(page).last().locator('.answer').textContent()) ?? '';
  await answers(page).last().getByRole('button', { name: 'Continue' }).click();
  const refused = page.getByText(/Could not continue/);
  await eventually(async () => (await refused.count()) > 0 || (await shownPath(page)).running, {
    message: 'a continued answer or the reason it cannot be',
  });
  if ((await refused.count()) === 0) {
    // The continued answer starts with the kept text and goes on from it.
    const text = async () => words((await answers(page).last().textContent()) ?? '');
    await eventually(async () => (await text()).includes(`${words(kept)} word`), { message: 'the kept text, then more, in the continued answer' });
    await page.getByRole('button', { name: 'Stop reply' }).click();
    await waitTurnDone(page);
    await answers(page).last().getByText('Version 3 of 3').waitFor();
  }
  await screenshot(page, '42-continued-answer');
});
