// Temporary chats: started from the sidebar, marked as such wherever they
// show, taking no attachments, and gone from every window once the window
// that follows them closes.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, freePort, runHearthCLI, screenshot, stop } from '../lib.mjs';
import { newChat, openChat, sendAndWait } from '../page.mjs';
import { S, newContext, scenarioList, startServerAt } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

const listIds = (page) =>
  page.locator('nav[aria-label="Chat list"] ul.chat-list:not(.archived-list) li[data-chat-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-chat-id')));

async function appReady(page) {
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  await eventually(async () => (await page.getByText('Loading chats…').count()) === 0, { message: 'the chat list' });
}

scenario('A temporary chat is marked, takes no attachments, and is gone for every window when its own closes', async () => {
  const root = join(S.tmp.dir, 'temporary');
  const srv = await startServerAt(root, await freePort());
  const ctxA = await newContext({ viewport: { width: 1280, height: 800 } });
  const ctxB = await newContext({ viewport: { width: 1280, height: 800 } });
  const a = await ctxA.newPage();
  try {
    await a.goto(srv.info.ui);
    await appReady(a);
    await newChat(a);
    await sendAndWait(a, 'A chat to keep');
    const kept = (await openChat(a)).id;

    // Start one from the sidebar: a draft that says what it will be.
    await a.getByRole('button', { name: 'Temporary chat', exact: true }).click();
    await a.getByRole('heading', { name: 'Temporary chat' }).waitFor();
    assert.equal(await a.getByRole('button', { name: 'Temporary', exact: true }).getAttribute('aria-pressed'), 'true');
    await a.getByRole('note').filter({ hasText: 'Temporary chat — not saved; it disappears when you close it.' }).waitFor();
    const attach = a.getByRole('button', { name: 'Attach files' });
    assert.equal(await attach.getAttribute('aria-disabled'), 'true');
    assert.match(await attach.getAttribute('title'), /temporary chat takes no attachments/);
    await screenshot(a, '61-temporary-draft');

    await sendAndWait(a, 'A question not to be kept');
    const temp = (await openChat(a)).id;
    assert.match(temp, /^tmp:/, 'the first message made a temporary chat');
    assert.ok((await a.getByRole('article', { name: 'Answer' }).count()) > 0, 'the model answered');

    // Marked in the sidebar (a group of its own, first, and the row), the
    // header and above the composer; no pin or archive for it.
    await eventually(async () => (await listIds(a))[0] === temp, { message: 'the temporary chat first in the list' });
    await a.locator('li.chat-group[data-group="temporary"]').waitFor();
    const row = a.locator(`li[data-chat-id="${temp}"]`);
    assert.equal(await row.getAttribute('data-temporary'), 'true');
    await row.locator('.temp-badge', { hasText: 'Temporary' }).waitFor();
    assert.equal(await row.locator('.pin-btn, .archive-btn').count(), 0, 'a temporary chat offers no pin or archive');
    await a.locator('.chat-head .temp-badge', { hasText: 'Temporary' }).waitFor();
    await a.getByRole('note').filter({ hasText: 'not saved' }).waitFor();
    assert.equal(await a.getByRole('button', { name: 'Attach files' }).getAttribute('aria-disabled'), 'true');
    await screenshot(a, '60-temporary-chat');
    // A kept chat has none of it.
    await a.locator(`li[data-chat-id="${kept}"] .chat-open`).click();
    await eventually(async () => (await openChat(a)).id === kept, { message: 'the kept chat open' });
    assert.equal(await a.locator('.chat-head .temp-badge').count(), 0);
    assert.equal(await a.getByRole('button', { name: 'Attach files' }).getAttribute('aria-disabled'), null);

    // hearth ls marks it too.
    const ls = await runHearthCLI(S.bins.hearth, root, ['ls']);
    assert.equal(ls.code, 0, `hearth ls: ${ls.stderr}`);
    assert.ok(ls.stdout.split('\n').some((l) => l.startsWith(temp) && l.includes('(temporary)')), `hearth ls:\n${ls.stdout}`);

    // A second window lists it as temporary, and does not open it by
    // itself (that would keep it alive): it opens the kept chat.
    const b = await ctxB.newPage();
    await b.goto(srv.info.ui);
    await appReady(b);
    await eventually(async () => (await listIds(b)).includes(temp), { message: 'the second window to list the temporary chat' });
    assert.equal(await b.locator(`li[data-chat-id="${temp}"]`).getAttribute('data-temporary'), 'true');
    await eventually(async () => (await openChat(b)).id === kept, { message: 'the second window to open the kept chat' });

    // Ctrl+Shift+X starts a temporary draft there too; the toggle turns it back.
    await b.getByRole('textbox', { name: 'Message', exact: true }).press('Control+Shift+X');
    const toggle = b.getByRole('button', { name: 'Temporary', exact: true });
    await eventually(async () => (await toggle.getAttribute('aria-pressed')) === 'true', { message: 'the shortcut to open a temporary draft' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    assert.equal(await b.getByRole('button', { name: 'Attach files' }).getAttribute('aria-disabled'), null);
    await b.locator(`li[data-chat-id="${kept}"] .chat-open`).click();

    // The first window closes: the chat leaves the second window's list,
    // which stays where it was, with no error.
    await a.close();
    await eventually(async () => !(await listIds(b)).includes(temp), { message: 'the temporary chat to leave the second window' });
    assert.deepEqual(await listIds(b), [kept]);
    assert.equal((await openChat(b)).id, kept);
    assert.equal(await b.locator('.toast, [role="alert"]').filter({ hasText: /error|could not/i }).count(), 0);
  } finally {
    await ctxA.close();
    await ctxB.close();
    await stop(srv.proc);
  }
});
