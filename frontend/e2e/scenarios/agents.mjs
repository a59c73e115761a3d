// Agents in the browser (docs/agents.md): the example Go agent
// (examples/agents/go) connects to a server of its own over its unix socket;
// the page shows it online in Settings and in a new chat's picker, a chat
// bound to it streams its answer under its name, its tool call is a card,
// and once the agent process stops the page shows it offline, a message to
// it is kept and its answer says the agent is not connected; the chat's
// settings move it back to the built-in model.
//
// The example echoes the last user message word by word ("You said: …",
// AGENT_DELAY_MS between words) and, for a message with "tool", calls its
// own word_count tool first.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, eventually, freePort, screenshot, stop } from '../lib.mjs';
import { answerDone, answers, newChat, openChat, send, userMessages, watchFor } from '../page.mjs';
import { S, newContext, scenarioList, startServerAt } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

const AGENT = 'echo-go';

async function appReady(page) {
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  await eventually(async () => (await page.getByText('Loading chats…').count()) === 0, { message: 'the chat list' });
}

/** Builds the example agent once. */
function buildAgent() {
  const bin = join(S.tmp.dir, 'echo-go-agent');
  const r = spawnSync('go', ['build', '-o', bin, './examples/agents/go'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  assert.equal(r.status, 0, 'go build the example agent');
  return bin;
}

/** Starts the agent on the server's socket; killed with the test run whatever happens. */
function startAgent(bin, socket) {
  const env = { ...process.env, HEARTH_SOCKET: socket, AGENT_DELAY_MS: '60' };
  delete env.AGENT_NAME;
  delete env.HEARTH_AGENT_NAME;
  const proc = spawn(bin, [], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => {
    log += d;
    if (process.env.E2E_VERBOSE) process.stderr.write(`[agent] ${d}`);
  });
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  return { proc, log: () => log, forget: () => process.off('exit', kill) };
}

scenario('Agents: the example agent (examples/agents/go) online in Settings and the new-chat picker, a bound chat streams its answer under its name with a tool card, offline once it stops', async () => {
  const bin = buildAgent();
  const root = join(S.tmp.dir, 'agents');
  const srv = await startServerAt(root, await freePort());
  const ctx = await newContext({ viewport: { width: 1280, height: 860 } });
  const agent = startAgent(bin, join(root, 'run', 'h.sock'));
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(srv.info.ui);
    await appReady(page);

    // Settings → Agents: the agent, online, with what it says it does, and where to read more.
    await eventually(() => page.evaluate((n) => window.__hearth.getState().agents?.some((a) => a.name === n && a.online), AGENT), {
      message: `the agent to come online (its log: ${agent.log()})`,
    });
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Model server' });
    const listed = settings.getByRole('list', { name: 'Agents' }).getByRole('listitem').filter({ hasText: AGENT });
    await listed.getByText('online', { exact: true }).waitFor();
    await listed.getByText('Echoes your words back, one at a time.').waitFor();
    await settings.getByText(/docs\/agents\.md/).waitFor();
    await listed.scrollIntoViewIfNeeded();
    await screenshot(page, '60-agents-settings');
    await settings.getByRole('button', { name: 'Close' }).click();

    // A new chat: the built-in model or the agent, which is online.
    await newChat(page);
    const picker = page.locator('.chat-head').getByRole('combobox', { name: 'Answered by' });
    await picker.waitFor();
    const options = await picker.locator('option').allTextContents();
    assert.deepEqual(options, ['Built-in model', AGENT], 'the picker offers the model and the agent, online');
    await picker.selectOption(AGENT);
    // The agent picks its own model: the model picker gives way, saying why.
    await eventually(async () => (await page.getByRole('combobox', { name: 'Model' }).count()) === 0, { message: 'the model picker to go' });
    await page.locator('.chat-head').getByText('picks its own model').waitFor();
    const box = page.getByRole('textbox', { name: 'Message', exact: true });
    assert.match((await box.getAttribute('placeholder')) ?? '', new RegExp(`^Message ${AGENT} `), 'the composer says who the message goes to');

    // Its answer streams (seen part-written), under its name.
    const streamed = await watchFor(page, 'a part-written answer from the agent', () => {
      const a = document.querySelector('article[aria-label="Answer"][aria-busy="true"] .answer');
      const t = a?.textContent ?? '';
      return t.startsWith('You said') && !t.includes('world');
    });
    await send(page, 'hello agent world');
    await streamed();
    await answerDone(page, 0, 'the agent’s answer');
    const { id } = await openChat(page);
    assert.equal(await page.evaluate((id) => window.__hearth.getState().chats[id]?.agent, id), AGENT, 'new_chat bound the chat to the agent');
    const first = answers(page).last();
    await first.getByText('You said: hello agent world').waitFor();
    await first.locator('.msg-meta').getByText(`agent ${AGENT}`, { exact: true }).waitFor();
    const head = page.locator('.chat-head').getByRole('group', { name: `Agent ${AGENT}, online` });
    await head.getByText(AGENT, { exact: true }).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Model' }).count(), 0, 'no model picker in an agent’s chat');

    // A tool call of the agent's is a card like an MCP server's, named by the agent.
    await send(page, 'count this with a tool');
    await answerDone(page, 2, 'the tool answer');
    const card = answers(page).last().getByRole('region', { name: new RegExp(`^Tool call ${AGENT} · word_count:`) });
    await card.waitFor();
    assert.equal(await card.getAttribute('data-phase'), 'ok');
    await answers(page).last().getByText('You said: count this with a tool').waitFor();
    await screenshot(page, '61-agent-chat');

    // The agent stops: the header, Settings and the picker say it is offline.
    await stop(agent.proc);
    agent.forget();
    await page.locator('.chat-head').getByRole('group', { name: `Agent ${AGENT}, offline` }).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    await settings.getByRole('list', { name: 'Agents' }).getByRole('listitem').filter({ hasText: AGENT }).getByText('offline', { exact: true }).waitFor();
    await settings.getByRole('button', { name: 'Close' }).click();

    // A message to it now is kept, and the answer says the agent is not connected.
    await send(page, 'are you there');
    await answerDone(page, 4, 'the offline answer');
    await userMessages(page).filter({ hasText: 'are you there' }).waitFor();
    const failed = answers(page).last().getByRole('alert');
    await failed.getByText(`The agent ${AGENT} did not answer.`).waitFor();
    await failed.getByText(/is not connected/).waitFor();
    await screenshot(page, '62-agent-offline');

    // The chat's settings move it to the built-in model: the model picker is back,
    // the model answers, and the agent's answers still say who wrote them.
    await page.getByRole('button', { name: 'System prompt and parameters' }).click();
    const chatSettings = page.getByRole('dialog', { name: 'Chat settings' });
    const answeredBy = chatSettings.getByRole('combobox', { name: 'Answered by' });
    assert.deepEqual(await answeredBy.locator('option').allTextContents(), ['Built-in model', `${AGENT} (offline)`]);
    await answeredBy.selectOption('');
    await chatSettings.getByText('The built-in model answers from the next message on.').waitFor();
    await chatSettings.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('combobox', { name: 'Model' }).waitFor();
    assert.equal(await page.evaluate((id) => window.__hearth.getState().chats[id]?.agent ?? '', id), '', 'update_chat unbound the chat');
    await send(page, 'and now the model');
    await answerDone(page, 6, 'the model’s answer');
    assert.equal(await answers(page).last().locator('.msg-meta').getByText(`agent ${AGENT}`).count(), 0, 'the model’s answer is not the agent’s');
    await answers(page).first().locator('.msg-meta').getByText(`agent ${AGENT}`, { exact: true }).waitFor();

    // A new chat still offers the agent, marked offline.
    await newChat(page);
    await eventually(async () => (await picker.locator('option').allTextContents()).includes(`${AGENT} (offline)`), { message: 'the picker to mark the agent offline' });
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  } finally {
    await stop(agent.proc).catch(() => {});
    agent.forget();
    await ctx.close();
    await stop(srv.proc);
  }
});
