// The connection: the token taken from the address, and a server that
// restarts under the page.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, freePort, screenshot, stop } from '../lib.mjs';
import { answers, newChat, send, lastAnswerText, waitTurnDone, sendAndWait } from '../page.mjs';
import { S, TOKEN, newContext, startServerAt, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

scenario('connects with the token from the address and strips it', async ({ page }) => {
  await eventually(async () => !(await page.evaluate(() => location.hash)).includes('token'), { message: 'token stripped' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hearth.token')), TOKEN);
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  assert.equal(await page.getByRole('alert').filter({ hasText: 'Connection' }).count(), 0);
});

scenario('the server restarts under the page: it reconnects and nothing is lost or doubled', async () => {
  // A server of its own, on its own port and data: killing it disturbs no
  // other scenario.
  const root = join(S.tmp.dir, 'restart');
  const port = await freePort();
  let srv = await startServerAt(root, port);
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await ctx.newPage();
    await page.goto(srv.info.ui);
    await newChat(page);
    await send(page, 'slow: keep talking while I restart you');
    await eventually(async () => (await lastAnswerText(page)).length > 30, { message: 'text before the restart' });
    const before = await lastAnswerText(page);

    await stop(srv.proc, 'SIGKILL');
    await page.getByRole('alert').filter({ hasText: 'Connection to Hearth lost' }).waitFor();
    await screenshot(page, '08-reconnecting');
    assert.ok(await page.getByRole('button', { name: /Offline|Send message|Queue message/ }).first().isDisabled(), 'cannot send while offline');

    srv = await startServerAt(root, port);
    await page.getByRole('button', { name: 'Retry now' }).click().catch(() => {});
    await eventually(async () => (await page.getByRole('alert').filter({ hasText: 'Connection to Hearth lost' }).count()) === 0, {
      message: 'the reconnect',
    });
    await waitTurnDone(page);
    await page.getByText(/^Interrupted/).waitFor();
    const after = await lastAnswerText(page);
    assert.ok(after.length > 0, 'the partial answer is kept');
    assert.ok(before.startsWith(after) || after.startsWith(before), `no doubled or foreign text:\nbefore: ${before}\nafter:  ${after}`);

    // What the page shows is what the server stored.
    await page.reload();
    await page.getByText(/^Interrupted/).waitFor();
    assert.equal(await lastAnswerText(page), after);

    // And the chat goes on.
    await sendAndWait(page, 'After the restart, say hello');
    await answers(page).last().getByRole('button', { name: /Thought for \d/ }).waitFor();
    await answers(page).last().locator('[data-streamdown="code-block"]').waitFor();
    assert.match(await lastAnswerText(page), /After the restart/);
  } finally {
    await ctx.close();
    await stop(srv.proc);
  }
});
