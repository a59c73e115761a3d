// Tool calls through an MCP server, in the browser: the card in the answer's
// text, the approval prompt answered from a second window and from the
// keyboard, a call allowed for the chat and one by autoApprove, an image
// result, the chat list's mark, the chat's Tools switch, and Settings → MCP
// servers. A server of its own runs the MCP test server
// (backend/mcp/internal/testserver: echo is read-only, image returns a PNG).
//
// The fake model (fakellm) calls a tool when the last user message holds
// `tool:NAME {JSON arguments}`: it writes a sentence, calls NAME with those
// arguments, and after the result answers with a sentence that quotes it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, eventually, freePort, screenshot, stop } from '../lib.mjs';
import { answerDone, answers, newChat, openChat, send } from '../page.mjs';
import { S, newContext, scenarioList, startServerAt } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

const call = (name, args) => `tool:${name} ${JSON.stringify(args)}`;

async function appReady(page) {
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  await eventually(async () => (await page.getByText('Loading chats…').count()) === 0, { message: 'the chat list' });
}

/** Builds the MCP test server and starts a hearth whose mcp.json runs it. */
async function serverWithTools(name) {
  const bin = join(S.tmp.dir, 'mcp-testserver');
  const r = spawnSync('go', ['build', '-o', bin, './backend/mcp/internal/testserver'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  assert.equal(r.status, 0, 'go build the MCP test server');
  const root = join(S.tmp.dir, name);
  mkdirSync(join(root, 'config', 'hearth'), { recursive: true });
  writeFileSync(join(root, 'config', 'hearth', 'mcp.json'), JSON.stringify({ mcpServers: { test: { command: bin, autoApprove: ['image'] } } }));
  return startServerAt(root, await freePort());
}

/** The card of the call of `tool` (the n-th, from 0) in the last answer. */
const card = (page, tool, n = 0) => answers(page).last().getByRole('region', { name: new RegExp(`^Tool call test · ${tool}:`) }).nth(n);

scenario('Tool calls: asked in the card, answered from another window and by keyboard, shown in place, kept across a reload', async () => {
  const srv = await serverWithTools('tools');
  const ctx = await newContext({ viewport: { width: 1280, height: 860 } });
  const ctx2 = await newContext({ viewport: { width: 1000, height: 760 } });
  try {
    const page = await ctx.newPage();
    await page.goto(srv.info.ui);
    await appReady(page);

    // Settings → MCP servers: the server, ready, its tools with their marks, where the file is.
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Model server' });
    const servers = settings.getByRole('list', { name: 'MCP servers' });
    await servers.getByText('ready', { exact: true }).waitFor();
    const tools = settings.getByRole('list', { name: 'Tools of test' });
    await tools.getByRole('listitem').filter({ hasText: 'echo' }).getByText('read-only').waitFor();
    await tools.getByRole('listitem').filter({ hasText: 'image' }).getByText('auto-approved').waitFor();
    await settings.getByText(/mcp\.json/).first().waitFor();
    await settings.getByText(/^None\. A call you answer with “Always allow”/).waitFor();
    await screenshot(page, '50-mcp-settings');
    await settings.getByRole('button', { name: 'Close' }).click();

    // A call that asks: the card holds the prompt, the composer keeps the focus
    // (the user typed there), and the chat list marks the chat.
    await newChat(page);
    await send(page, call('echo', { text: 'hello from the tool' }));
    const first = card(page, 'echo');
    await first.getByRole('button', { name: 'Allow once' }).waitFor();
    await first.getByText('The server says this tool only reads.').waitFor();
    await first.getByRole('timer').filter({ hasText: /Denied in \d+:\d\d without an answer/ }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Message', 'the composer keeps the focus');
    await page.getByRole('navigation', { name: 'Chat list' }).getByRole('img', { name: 'waits for your approval' }).waitFor();
    await screenshot(page, '51-tool-approval');
    const { id } = await openChat(page);

    // Another window on the same chat sees the same prompt and answers it.
    const page2 = await ctx2.newPage();
    await page2.goto(srv.info.ui);
    await appReady(page2);
    await page2.evaluate((id) => window.__hearth.openChat(id), id);
    await card(page2, 'echo').getByRole('button', { name: 'Allow for this chat' }).click();
    await card(page2, 'echo').getByText('Allowed for this chat by you').waitFor();
    await first.getByText('Allowed for this chat in another window').waitFor();
    await eventually(async () => (await first.getAttribute('data-phase')) === 'ok', { message: 'the call to end in window 1' });
    await answerDone(page, 0, 'the echo call');
    const mark = page.getByRole('navigation', { name: 'Chat list' }).getByRole('img', { name: 'waits for your approval' });
    await eventually(async () => (await mark.count()) === 0, { message: 'the mark to go' });

    // In place: text before the card above it, the answer after it below; the result opens as text.
    const order = await answers(page)
      .last()
      .evaluate((a) => [...a.querySelectorAll('.answer, .tool-card')].map((el) => (el.classList.contains('tool-card') ? 'card' : 'text')));
    assert.deepEqual(order, ['text', 'card', 'text'], 'the card stands between the text before and after the call');
    await first.getByRole('button', { name: /^▸?Result/ }).click();
    assert.match((await first.locator('pre').last().textContent()) ?? '', /hello from the tool/);
    await screenshot(page, '52-tool-card');

    // Allowed for this chat: the next call runs unasked and says why; image is
    // auto-approved by mcp.json and shows its picture.
    let before = (await openChat(page)).count;
    await send(page, call('echo', { text: 'again' }));
    await answerDone(page, before, 'the second echo');
    await card(page, 'echo').getByText('Allowed for this chat', { exact: true }).waitFor();
    before = (await openChat(page)).count;
    await send(page, call('image', {}));
    await answerDone(page, before, 'the image call');
    const img = card(page, 'image');
    await img.getByText('Allowed by autoApprove in mcp.json').waitFor();
    await img.getByRole('button', { name: /Result.*1 image/ }).click();
    await img.getByRole('img', { name: /from image/ }).waitFor();

    // A reload finds the cards where they were, in their states.
    await page.reload();
    await appReady(page);
    await page.evaluate((id) => window.__hearth.openChat(id), id);
    await card(page, 'image').getByText('Allowed by autoApprove in mcp.json').waitFor();
    assert.equal(await card(page, 'image').getAttribute('data-phase'), 'ok');
    const echoes = page.getByRole('region', { name: /^Tool call test · echo:/ });
    await eventually(async () => (await echoes.count()) === 2, { message: 'both echo cards after the reload' });

    // From the keyboard: a prompt that appears while nobody types takes the
    // focus; Tab reaches Deny, Enter denies.
    await newChat(page);
    await send(page, 'a chat for the keyboard');
    await answerDone(page, 0, 'the first message');
    const kid = (await openChat(page)).id;
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await page.evaluate(({ kid, text }) => window.__hearth.send(kid, text, [], false), { kid, text: call('echo', { text: 'no' }) });
    const k = card(page, 'echo');
    await eventually(async () => (await page.evaluate(() => document.activeElement?.textContent)) === 'Allow once', { message: 'the prompt to take the focus' });
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Deny');
    await page.keyboard.press('Enter');
    await k.getByText('Denied by you').waitFor();
    await eventually(async () => (await k.getAttribute('data-phase')) === 'denied', { message: 'the call denied' });
    await answerDone(page, 2, 'the denied call');

    // Always allow: the grant is listed in Settings, and Revoke takes it away.
    await send(page, call('echo', { text: 'always' }));
    await card(page, 'echo').getByRole('button', { name: 'Always allow' }).click();
    await card(page, 'echo').getByText('Always allowed by you').waitFor();
    await answerDone(page, 4, 'the call allowed always');
    await page.getByRole('button', { name: 'Settings' }).click();
    const grants = settings.getByRole('list', { name: 'Always allowed tools' });
    await grants.getByText('echo', { exact: true }).waitFor();
    await grants.getByRole('button', { name: 'Revoke test · echo' }).click();
    await settings.getByText(/^None\. A call you answer with “Always allow”/).waitFor();
    await settings.getByRole('button', { name: 'Close' }).click();

    // The chat's Tools switch: off, kept by the server.
    const sliders = page.getByRole('button', { name: 'System prompt and parameters' });
    await sliders.click();
    let dialog = page.getByRole('dialog', { name: 'Chat settings' });
    const sw = dialog.getByRole('switch', { name: 'Tools of test' });
    assert.equal(await sw.isChecked(), true);
    await sw.click();
    await dialog.getByText("test's tools are off in this chat.").waitFor();
    await page.keyboard.press('Escape');
    await eventually(async () => (await page.evaluate((kid) => window.__hearth.getState().chats[kid]?.tools_off ?? [], kid)).includes('test'), {
      message: 'tools_off in the chat',
    });
    await page.reload();
    await appReady(page);
    await page.evaluate((kid) => window.__hearth.openChat(kid), kid);
    await sliders.click();
    dialog = page.getByRole('dialog', { name: 'Chat settings' });
    assert.equal(await dialog.getByRole('switch', { name: 'Tools of test' }).isChecked(), false, 'still off after a reload');
  } finally {
    await ctx2.close();
    await ctx.close();
    await stop(srv.proc);
  }
});
