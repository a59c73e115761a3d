// The model: the picker, and a first run without a model server.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, freePort, screenshot, startHearth, stop } from '../lib.mjs';
import { chatButton, newChat, sendAndWait } from '../page.mjs';
import { S, newContext, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

scenario('the model picker is fed by list_models and remembered per chat', async ({ page }) => {
  await newChat(page);
  await sendAndWait(page, 'Model picker check');
  const picker = page.getByRole('combobox', { name: 'Model' });
  const offered = await picker.locator('option').allTextContents();
  assert.ok(offered.some((o) => o.includes('llmtest-r1')), `models from the server: ${offered.join(', ')}`);
  await picker.selectOption('llmtest-r1');
  const title = (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';
  await page.reload();
  await chatButton(page, title).click();
  await eventually(async () => (await page.getByRole('combobox', { name: 'Model' }).inputValue()) === 'llmtest-r1', {
    message: 'the chat to keep its model',
  });
});

scenario('first run without a model server explains how to start one', async () => {
  const closed = await freePort();
  // From the config file, as on a first run: with --provider-url the form's
  // save would wait for the flag to go before it applied.
  const srv = await startHearth(S.bins.hearth, {
    root: join(S.tmp.dir, 'no-provider'),
    config: `provider_url = "http://127.0.0.1:${closed}/v1"\n`,
  });
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await ctx.newPage();
    await page.goto(srv.info.ui);
    const help = page.getByRole('alert', { name: 'Model server not reachable' });
    await help.waitFor();
    assert.match((await help.textContent()) ?? '', /ollama serve/);
    assert.match((await help.textContent()) ?? '', /ollama pull llama3\.2/);
    await page.getByRole('heading', { name: 'Welcome to Hearth' }).waitFor();
    await screenshot(page, '12-no-model-server');
    await help.getByRole('button', { name: 'Model server settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Model server' });
    await dialog.waitFor();
    const url = dialog.getByRole('textbox', { name: 'Server URL' });
    await eventually(async () => (await url.inputValue()).includes(String(closed)), { message: 'current URL in the form' });
    // Point it at the working fake server: the models appear.
    await url.fill(`${S.fake.url}/v1`);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText(/Saved\. \d+ model/).waitFor();
    await screenshot(page, '13-settings-saved');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await eventually(async () => (await page.getByRole('alert', { name: 'Model server not reachable' }).count()) === 0, {
      message: 'the help to go away',
    });
  } finally {
    await ctx.close();
    await stop(srv.proc);
  }
});
