// Getting around: keyboard shortcuts and search; the narrow window's
// sidebar, in the dark theme.

import assert from 'node:assert/strict';
import { eventually, runHearthCLI, screenshot } from '../lib.mjs';
import { answers, chatButton, newChat, send, lastAnswerText, openChat } from '../page.mjs';
import { S, newContext, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

scenario('keyboard: Ctrl+K focuses search, search finds message text, Ctrl+Shift+O opens a new chat, Esc stops', async ({ page }) => {
  // A chat of its own to find, with a word no other scenario uses.
  const prompt = 'Keyboard check: where does the quokka live?';
  const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', prompt]);
  assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
  await newChat(page);
  await page.getByRole('textbox', { name: 'Message', exact: true }).focus();
  await page.keyboard.press('Control+k');
  const search = page.getByRole('searchbox', { name: 'Search chats' });
  assert.ok(await search.evaluate((el) => el === document.activeElement), 'search focused');
  // Titles filter at once; the server's full-text search finds words inside messages.
  await search.fill('Rayleigh');
  await search.fill('quokka');
  const hits = page.getByRole('region', { name: 'Messages matching the search' });
  await hits.waitFor();
  assert.ok((await hits.getByRole('button').count()) > 0);
  await hits.getByRole('button').first().click();
  await page.getByRole('heading', { level: 1, name: /Keyboard check/ }).waitFor();
  await search.fill('');

  const before = await openChat(page);
  await page.keyboard.press('Control+Shift+O');
  await eventually(async () => (await openChat(page)).id !== before.id, { message: 'a new chat from the keyboard' });
  await page.getByRole('heading', { name: 'Start the conversation' }).waitFor();

  await send(page, 'slow: stop me with Escape');
  await eventually(async () => (await lastAnswerText(page)).length > 10, { message: 'streaming' });
  await page.keyboard.press('Escape');
  await page.getByText('Stopped', { exact: true }).waitFor();
});

scenario('narrow window: the sidebar collapses behind a button; dark theme follows the system', async () => {
  // A chat of its own with a code block to open.
  const title = 'Narrow window: say hello in Go';
  const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', title]);
  assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
  const ctx = await newContext({ viewport: { width: 390, height: 800 }, colorScheme: 'dark' });
  try {
    const page = await ctx.newPage();
    await page.goto(S.ui);
    await page.getByRole('button', { name: 'Show chats' }).waitFor();
    assert.equal(await page.getByRole('complementary', { name: 'Chats' }).isVisible(), false, 'sidebar hidden');
    await page.getByRole('button', { name: 'Show chats' }).click();
    await page.getByRole('complementary', { name: 'Chats' }).waitFor();
    await screenshot(page, '10-narrow-sidebar-dark');
    await chatButton(page, title).click();
    await page.getByRole('heading', { name: title }).waitFor();
    await answers(page).first().locator('[data-streamdown="code-block"]').waitFor();
    assert.equal(await page.getByRole('complementary', { name: 'Chats' }).isVisible(), false, 'sidebar closes after choosing');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.match(bg, /rgb\((\d{1,2}), (\d{1,2}), (\d{1,2})\)/, `dark background, got ${bg}`);
    await screenshot(page, '11-narrow-chat-dark');
  } finally {
    await ctx.close();
  }
});
