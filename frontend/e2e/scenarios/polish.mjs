// What a person notices in passing: where notices appear and when they go,
// code and tables that read well, math that copies as TeX, an answer's time
// and speed after a reload, and the chat list from the keyboard.

import assert from 'node:assert/strict';
import { eventually, runHearthCLI } from '../lib.mjs';
import { answers, chatButton, newChat, sendAndWait } from '../page.mjs';
import { S, newContext, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

const toasts = (page) => page.getByRole('region', { name: 'Notifications' });

/** The chat id of the sidebar row that holds focus, or null. */
const focusedRow = (page) => page.evaluate(() => document.activeElement?.closest('li[data-chat-id]')?.getAttribute('data-chat-id') ?? null);


/** The ids of the sidebar's rows, top to bottom. */
const rowIds = (page) =>
  page.evaluate(() => Array.from(document.querySelectorAll('.chat-list li[data-chat-id]')).map((li) => li.getAttribute('data-chat-id')));

async function chatIdOf(page, title) {
  return chatButton(page, title).evaluate((b) => b.closest('li[data-chat-id]').getAttribute('data-chat-id'));
}

scenario('notices: clear of the last answer, a failed rename leaves by itself, a critical one stays until Esc', async ({ page }) => {
  await newChat(page);
  await sendAndWait(page, 'Notice check: a short answer please');
  const answer = answers(page).last();
  await answer.locator('.msg-meta').waitFor();

  // A rename the server refuses (titles are at most 200 bytes), from the keyboard.
  const row = page.locator('.chat-list li.active .chat-open');
  await row.focus();
  await page.keyboard.press('F2');
  const input = page.getByRole('textbox', { name: 'Chat title' });
  await input.fill('x'.repeat(300));
  await input.press('Enter');
  const toast = toasts(page).getByRole('alert').filter({ hasText: 'Could not rename the chat' });
  await toast.waitFor();
  assert.ok(await row.evaluate((b) => b === document.activeElement), 'focus is back on the row after the rename');

  const tb = await toast.boundingBox();
  const ab = await answer.boundingBox();
  const log = await page.getByRole('log').boundingBox();
  assert.ok(tb && ab && log, 'boxes');
  assert.ok(!overlap(tb, ab), `the notice ${JSON.stringify(tb)} covers the last answer ${JSON.stringify(ab)}`);
  assert.ok(!overlap(tb, log), `the notice ${JSON.stringify(tb)} covers the transcript ${JSON.stringify(log)}`);
  assert.notEqual(await toast.getAttribute('data-lifetime'), 'sticky', 'a failed rename is not critical');
  // It leaves by itself.
  await toast.waitFor({ state: 'detached' });

  // A critical notice (a chat that could not be loaded, say) is marked to stay, and Esc closes it.
  await page.evaluate(() => window.__hearth.notify('error', 'Could not load the chat: test', true));
  const critical = toasts(page).getByRole('alert').filter({ hasText: 'Could not load the chat' });
  await critical.waitFor();
  assert.equal(await critical.getAttribute('data-lifetime'), 'sticky');
  await page.getByRole('textbox', { name: 'Message', exact: true }).focus();
  await page.keyboard.press('Escape');
  await critical.waitFor({ state: 'detached' });

  // Its close button works too.
  await page.evaluate(() => window.__hearth.notify('error', 'Could not list chats: test', true));
  const again = toasts(page).getByRole('alert').filter({ hasText: 'Could not list chats' });
  await again.getByRole('button', { name: 'Dismiss notification' }).click();
  await again.waitFor({ state: 'detached' });
});

scenario('notices in a narrow window stay clear of the last answer', async () => {
  const title = 'Narrow notice: answer briefly';
  const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', title]);
  assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
  const ctx = await newContext({ viewport: { width: 390, height: 700 } });
  try {
    const page = await ctx.newPage();
    await page.goto(S.ui);
    await page.getByRole('button', { name: 'Show chats' }).click();
    await chatButton(page, title).click();
    const answer = answers(page).last();
    await answer.locator('.msg-meta').waitFor();
    await page.evaluate(() => window.__hearth.notify('info', 'Copied the link to this chat.'));
    const toast = toasts(page).getByRole('status').filter({ hasText: 'Copied the link' });
    await toast.waitFor();
    const tb = await toast.boundingBox();
    const ab = await answer.boundingBox();
    const log = await page.getByRole('log').boundingBox();
    assert.ok(!overlap(tb, ab), `the notice ${JSON.stringify(tb)} covers the last answer ${JSON.stringify(ab)}`);
    assert.ok(!overlap(tb, log), `the notice ${JSON.stringify(tb)} covers the transcript ${JSON.stringify(log)}`);
    await toast.waitFor({ state: 'detached' });
  } finally {
    await ctx.close();
  }
});

scenario('code reads at 0.9 of the text; tables scroll instead of breaking words; math copies as TeX once', async ({ page }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(S.ui).origin });
  await newChat(page);
  await sendAndWait(page, 'Polish check: a code sample');
  const code = answers(page).last();
  await code.locator('[data-streamdown="code-block-body"] code span').first().waitFor();
  const sizes = await code.evaluate((a) => ({
    text: parseFloat(getComputedStyle(a.querySelector('.md p')).fontSize),
    code: parseFloat(getComputedStyle(a.querySelector('[data-streamdown="code-block-body"] code span')).fontSize),
  }));
  const ratio = sizes.code / sizes.text;
  assert.ok(ratio >= 0.85 && ratio <= 0.95, `code ${sizes.code}px beside text ${sizes.text}px`);

  await sendAndWait(page, 'Polish check: a table please');
  const answer = answers(page).last();
  await answer.locator('table .katex').first().waitFor();
  await answer.locator('table').nth(1).waitFor();

  // Every one-word cell of the wide table is on one line, and the table scrolls.
  const layout = await answer.evaluate((a) => {
    const table = a.querySelectorAll('table')[1];
    const broken = [];
    for (const td of table.querySelectorAll('td, th')) {
      const r = document.createRange();
      r.selectNodeContents(td);
      const lines = new Set(Array.from(r.getClientRects()).map((x) => Math.round(x.top)));
      if (lines.size > 1) broken.push(td.textContent);
    }
    const scroller = table.parentElement;
    return {
      broken,
      scrolls: scroller.scrollWidth > scroller.clientWidth,
      pageOverflows: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    };
  });
  assert.deepEqual(layout.broken, [], 'words broken across lines');
  assert.ok(layout.scrolls, 'the wide table scrolls sideways');
  assert.ok(!layout.pageOverflows, 'the page itself does not scroll sideways');

  // The table's copy button: markdown with each formula's TeX once.
  await answer.locator('[data-streamdown="table-wrapper"]').first().getByRole('button', { name: 'Copy table' }).click();
  const copied = await eventually(async () => {
    const t = await page.evaluate(() => navigator.clipboard.readText());
    return t.includes('lookup') && t;
  }, { message: 'the table on the clipboard' });
  assert.ok(copied.includes('| lookup | $O(1)$ |'), `copied table: ${copied}`);
  assert.ok(copied.includes('$O(n \\log n)$'), `copied table: ${copied}`);
  assert.equal(copied.match(/O\(1\)/g)?.length, 1, `the formula once: ${copied}`);

  // Selecting the table and pressing Ctrl+C: the same, through the copy event.
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await answer.evaluate((a) => {
    const sel = document.getSelection();
    const r = document.createRange();
    r.selectNodeContents(a.querySelector('table'));
    sel.removeAllRanges();
    sel.addRange(r);
  });
  await page.keyboard.press('Control+c');
  const selected = await eventually(async () => {
    const t = await page.evaluate(() => navigator.clipboard.readText());
    return t.includes('lookup') && t;
  }, { message: 'the selection on the clipboard' });
  assert.ok(selected.includes('$O(1)$'), `copied selection: ${selected}`);
  assert.equal(selected.match(/O\(1\)/g)?.length, 1, `the formula once: ${selected}`);
});

scenario("an answer's time and speed show after a reload as they did live", async ({ page }) => {
  const title = 'Speed check: how fast are you';
  const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', title]);
  assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
  await chatButton(page, title).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  // This answer streams into the page: its numbers come from turn_end.
  await sendAndWait(page, 'Speed check: and once more, live');
  const meta = () => answers(page).last().locator('.msg-meta');
  await meta().locator('.msg-stat').first().waitFor();
  const live = (await meta().locator('.msg-stat').allTextContents()).join(' · ');
  assert.match(live, /^\d+(\.\d)? s · \d+ tokens · [\d.]+ tok\/s$/, `live: ${live}`);
  await page.reload();
  await meta().locator('.msg-stat').first().waitFor();
  const reloaded = (await meta().locator('.msg-stat').allTextContents()).join(' · ');
  assert.equal(reloaded, live);
});

scenario('chat list from the keyboard: one Tab stop, arrows, Enter, F2, Delete moves focus to the next row', async ({ page }) => {
  const titles = ['Keys one: first', 'Keys two: second', 'Keys three: third'];
  for (const t of titles) {
    const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', t]);
    assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
  }
  for (const t of titles) await chatButton(page, t).waitFor();
  const [one, two] = await Promise.all(titles.map((t) => chatIdOf(page, t)));

  // One Tab stop for the whole list.
  const tabbable = await page.evaluate(() => Array.from(document.querySelectorAll('.chat-list button')).filter((b) => b.tabIndex >= 0).length);
  assert.equal(tabbable, 1, 'Tab stops in the chat list');
  await page.getByRole('searchbox', { name: 'Search chats' }).focus();
  await page.keyboard.press('Tab');
  assert.ok(await focusedRow(page), 'Tab from the search lands on a row');
  await page.keyboard.press('Tab');
  assert.equal(await focusedRow(page), null, 'the next Tab leaves the list');
  await page.keyboard.press('Shift+Tab');
  assert.ok(await focusedRow(page), 'Shift+Tab comes back to the row');

  // Newest first: three, two, one. Arrows move; Enter opens.
  await chatButton(page, titles[2]).focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedRow(page), two);
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedRow(page), one);
  await page.keyboard.press('ArrowUp');
  assert.equal(await focusedRow(page), two);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: titles[1] }).waitFor();

  // Left and right reach the row's own buttons, in order.
  await chatButton(page, titles[1]).focus();
  for (const action of ['Rename', 'Pin', 'Archive', 'Delete']) {
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), `${action} ${titles[1]}`);
  }
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
  assert.equal(await focusedRow(page), two);

  // Delete the middle row (the open chat): focus goes to the row below it.
  const before = await rowIds(page);
  const below = before[before.indexOf(two) + 1];
  assert.equal(below, one);
  await page.keyboard.press('Delete');
  await chatButton(page, titles[1]).waitFor({ state: 'detached' });
  await eventually(async () => (await focusedRow(page)) === one, { message: 'focus on the row below the deleted one' });
  await page.getByRole('button', { name: 'Undo' }).click();
  await chatButton(page, titles[1]).waitFor();

  // The trash button of the last of them: focus goes to a neighbour, never the page.
  await chatButton(page, titles[0]).hover();
  await page.getByRole('button', { name: `Delete ${titles[0]}` }).click();
  await chatButton(page, titles[0]).waitFor({ state: 'detached' });
  await eventually(async () => (await focusedRow(page)) !== null, { message: 'focus on a neighbouring row' });
  assert.notEqual(await focusedRow(page), one);
});
