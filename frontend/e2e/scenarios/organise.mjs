// Organising the chat list: pinned chats first (and still after a reload),
// archived chats out of the list and under Archived, restorable from there.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, freePort, runHearthCLI, stop } from '../lib.mjs';
import { newChat, openChat, sendAndWait } from '../page.mjs';
import { S, newContext, scenarioList, startServerAt } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

/** The ids of the main list's rows, top to bottom (the Archived view left out). */
const listIds = (page) =>
  page.locator('nav[aria-label="Chat list"] ul.chat-list:not(.archived-list) li[data-chat-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-chat-id')));

const archivedIds = (page) => page.locator('ul.archived-list li[data-chat-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-chat-id')));

/** Clicks one of a row's actions, shown while the row is hovered or focused. */
async function rowAction(page, scope, id, cls) {
  const row = page.locator(`${scope} li[data-chat-id="${id}"]`);
  await row.hover();
  await row.locator(cls).click();
}

async function appReady(page) {
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  await eventually(async () => (await page.getByText('Loading chats…').count()) === 0, { message: 'the chat list' });
}

scenario('Pin a chat: it moves first, under Pinned, and stays there after a reload', async () => {
  const root = join(S.tmp.dir, 'organise');
  const srv = await startServerAt(root, await freePort());
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  try {
    await page.goto(srv.info.ui);
    await appReady(page);
    const ids = [];
    for (const q of ['First question about pinning', 'Second question about archiving', 'Third question, the newest']) {
      await newChat(page);
      await sendAndWait(page, q);
      ids.push((await openChat(page)).id);
    }
    const [first, second, third] = ids;
    await eventually(async () => (await listIds(page))[0] === third, { message: 'the newest chat first' });

    // Pin the oldest chat: it moves to the top, under a Pinned heading.
    await rowAction(page, 'nav[aria-label="Chat list"] ul.chat-list:not(.archived-list)', first, '.pin-btn');
    await eventually(async () => (await listIds(page))[0] === first, { message: 'the pinned chat first' });
    await page.locator('li.chat-group[data-group="pinned"]').waitFor();
    assert.equal(await page.locator(`li[data-chat-id="${first}"] .pin-btn`).getAttribute('aria-pressed'), 'true');
    // The others are grouped by day: all of them today.
    await page.locator('li.chat-group[data-group="today"]').waitFor();

    await page.reload();
    await appReady(page);
    await eventually(async () => (await listIds(page))[0] === first, { message: 'the pinned chat first after a reload' });

    // Archive the second chat: it leaves the list and shows under Archived.
    await rowAction(page, 'nav[aria-label="Chat list"] ul.chat-list:not(.archived-list)', second, '.archive-btn');
    await eventually(async () => !(await listIds(page)).includes(second), { message: 'the archived chat to leave the list' });
    assert.deepEqual(await listIds(page), [first, third]);
    const ls = await runHearthCLI(S.bins.hearth, root, ['ls', '--archived']);
    assert.equal(ls.code, 0, `hearth ls --archived: ${ls.stderr}`);
    assert.ok(ls.stdout.includes(second) && !ls.stdout.includes(first), `hearth ls --archived:\n${ls.stdout}`);

    const toggle = page.getByRole('button', { name: 'Archived', exact: true });
    await toggle.click();
    await eventually(async () => (await archivedIds(page)).join() === second, { message: 'the chat under Archived' });

    // Restore it: back in the list, gone from Archived.
    await rowAction(page, 'ul.archived-list', second, '.archive-btn');
    await eventually(async () => (await listIds(page)).includes(second), { message: 'the restored chat back in the list' });
    await page.getByText('No archived chats.').waitFor();
    assert.equal((await listIds(page))[0], first, 'the pinned chat stays first');

    // And after a reload the list is as the server keeps it.
    await page.reload();
    await appReady(page);
    await eventually(async () => (await listIds(page)).length === 3, { message: 'three chats after a reload' });
    assert.equal((await listIds(page))[0], first);
  } finally {
    await ctx.close();
    await stop(srv.proc);
  }
});
