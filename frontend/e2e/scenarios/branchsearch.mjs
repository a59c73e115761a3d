// Search finds every version of a chat: a hit on a version that is not the
// chat's path switches the chat to it before opening the page at the hit.

import assert from 'node:assert/strict';
import { eventually } from '../lib.mjs';
import { newChat, openChat, sendAndWait, userMessages, waitTurnDone } from '../page.mjs';
import { scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

/** The questions the page shows, read from its store (the list is virtualized). */
const questions = (page) =>
  page.evaluate(() => {
    const st = window.__hearth.getState();
    return (st.views[st.activeChatId]?.messages ?? []).filter((m) => m.role === 'user').map((m) => m.content);
  });

scenario('a search hit on another version switches the chat to it', async ({ page, errors }) => {
  await newChat(page);
  await sendAndWait(page, 'ask about the okapi please');
  await sendAndWait(page, 'and then something else');
  const chatId = (await openChat(page)).id;
  // Edit the first question: the okapi is now on another version only.
  const first = userMessages(page).filter({ has: page.getByText('ask about the okapi please', { exact: true }) });
  await first.hover();
  await first.getByRole('button', { name: 'Edit message' }).click();
  const box = page.getByRole('textbox', { name: 'Edited message' });
  await box.fill('ask about the giraffe instead');
  await box.press('Enter');
  await eventually(async () => JSON.stringify(await questions(page)) === JSON.stringify(['ask about the giraffe instead']), {
    message: 'the edited version to be the path',
  });
  // Versions cannot be switched while an answer is being written.
  await waitTurnDone(page);

  const search = page.getByRole('searchbox', { name: 'Search chats' });
  await search.fill('okapi');
  const hits = page.getByRole('region', { name: 'Messages matching the search' });
  // The question's own hit (the answers quote it too).
  const hit = hits.getByRole('button').filter({ hasText: /^ask about the okapi please\s*ask about the okapi please$/ });
  await hit.waitFor();
  await hit.click();
  // The chat now shows the version the hit is on, the hit framed.
  await eventually(
    async () => JSON.stringify(await questions(page)) === JSON.stringify(['ask about the okapi please', 'and then something else']),
    { message: 'the chat switched to the version with the hit' },
  );
  assert.equal((await openChat(page)).id, chatId);
  await page.locator('.search-target').filter({ hasText: 'okapi' }).first().waitFor();
  const v = userMessages(page).filter({ has: page.getByText('ask about the okapi please', { exact: true }) });
  await v.getByText('Version 1 of 2').waitFor();
  assert.equal(errors.length, 0, `page errors: ${errors.join('; ')}`);
});
