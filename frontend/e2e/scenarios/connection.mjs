// The connection: the token taken from the address, and a server that
// restarts under the page.

import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { eventually, freePort, screenshot, startHearth, stop } from '../lib.mjs';
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

scenario('`hearth serve` restarted keeps its address and token; a move or a new token is said in words', async () => {
  // As a user runs it: no --listen, no --token. The link printed on the first
  // start is the only one the page ever gets.
  const root = join(S.tmp.dir, 'restart-kept');
  const start = (args = []) => startHearth(S.bins.hearth, { root, providerUrl: `${S.fake.url}/v1`, args });
  let srv = await start();
  const first = srv.info;
  const host = new URL(first.url).host;
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  let blocker = null;
  try {
    const page = await ctx.newPage();
    await page.goto(first.ui);
    await newChat(page);
    await sendAndWait(page, 'Before the restart, say hello');
    // The connection banner (an alert); the model-server help card, also an
    // alert, may show too while the page cannot reach its server.
    const banner = page.locator('.banner[role="alert"]').filter({ hasText: 'Hearth' });

    // Killed: the banner says Hearth is not running there, not that replies
    // keep running.
    await stop(srv.proc, 'SIGKILL');
    await banner.filter({ hasText: `Hearth is not running at ${host}` }).waitFor();
    assert.doesNotMatch(await banner.innerText(), /replies keep running/);

    // Started again: same address and token, and the page comes back by
    // itself (no click, no new link).
    srv = await start();
    assert.equal(srv.info.ui, first.ui, 'the restart keeps the link');
    assert.equal(srv.info.moved_from, undefined);
    await eventually(async () => (await banner.count()) === 0, { message: 'the page reconnects by itself' });
    await sendAndWait(page, 'After the restart, say hello');
    await eventually(async () => /After the restart/.test(await lastAnswerText(page)), { message: 'the answer after the restart' });

    // Restarted with --new-token: the same address refuses the tab's token.
    await stop(srv.proc);
    srv = await start(['--new-token']);
    assert.equal(srv.info.url, first.url);
    assert.notEqual(srv.info.token, first.token);
    await banner.filter({ hasText: 'no longer accepts this tab’s access token' }).waitFor();
    assert.match(await banner.innerText(), /Open the new link/);
    // The new link, pasted into this tab (only the fragment changes), works at once.
    await page.goto(srv.info.ui);
    await page.getByRole('combobox', { name: 'Model' }).waitFor();
    await eventually(async () => (await banner.count()) === 0, { message: 'the new link connects' });

    // Another program took the port while Hearth was stopped: Hearth moves,
    // says so on its first line, and the page says so in words.
    await stop(srv.proc);
    const port = Number(new URL(first.url).port);
    blocker = http.createServer((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<h1>Not Found</h1>');
    });
    await new Promise((res, rej) => {
      blocker.once('error', rej);
      blocker.listen(port, '127.0.0.1', res);
    });
    srv = await start();
    assert.equal(srv.info.moved_from, first.url);
    assert.notEqual(srv.info.url, first.url);
    await banner.filter({ hasText: 'Hearth moved to another address' }).waitFor();
    assert.match(await banner.innerText(), new RegExp(`Another program now answers at ${host.replace(/\./g, '\\.')}`));
    assert.match(await banner.innerText(), /Open the new link that hearth serve printed/);
    await page.goto(srv.info.ui);
    await sendAndWait(page, 'At the new address, say hello');
    await eventually(async () => /At the new address/.test(await lastAnswerText(page)), { message: 'the answer at the new address' });
  } finally {
    await ctx.close();
    if (blocker) await new Promise((res) => blocker.close(res));
    await stop(srv.proc);
  }
});
