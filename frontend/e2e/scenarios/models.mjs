// The model: the picker with each model's details, downloads with progress
// and cancel in every window, and a first run without a model server.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, freePort, screenshot, startFakeLLM, startHearth, stop } from '../lib.mjs';
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

scenario('the model panel shows what each model is and can do', async ({ page }) => {
  await newChat(page);
  await page.getByRole('button', { name: 'Models and downloads' }).click();
  const panel = page.getByRole('dialog', { name: 'Models' });
  const list = panel.getByRole('list', { name: 'Available models' });
  const chat = list.getByRole('button', { name: /llmtest-chat/ });
  // From Ollama's /api/tags (family, parameters, quantization, size) and /api/show (context, capabilities).
  await eventually(async () => /llama · 3\.2B · Q4_K_M · 2\.0 GB · 128K context/.test((await chat.textContent()) ?? ''), {
    message: 'llmtest-chat with its details',
  });
  assert.match((await chat.textContent()) ?? '', /Tools/);
  const r1 = list.getByRole('button', { name: /llmtest-r1/ });
  assert.match((await r1.textContent()) ?? '', /qwen2 · 7\.6B · Q4_K_M · 4\.7 GB · 128K context/);
  assert.match((await r1.textContent()) ?? '', /Reasoning/);
  assert.doesNotMatch((await r1.textContent()) ?? '', /Vision|Tools/);
  await screenshot(page, '30-model-details');
  // Choosing in the panel is choosing in the picker.
  await r1.click();
  await eventually(async () => (await page.getByRole('combobox', { name: 'Model' }).inputValue()) === 'llmtest-r1', {
    message: 'the picker to follow the panel',
  });
  assert.equal(await r1.getAttribute('aria-pressed'), 'true');
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'detached' });
});

scenario('a model download shows its progress in every window and either window cancels it', async () => {
  // A model server of its own: the downloads add models to its list.
  const fake = await startFakeLLM(S.bins.fakellm);
  const srv = await startHearth(S.bins.hearth, {
    root: join(S.tmp.dir, 'pulls'),
    config: `provider = "ollama"\nprovider_url = "${fake.url}"\n`,
  });
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const a = await ctx.newPage();
    const b = await ctx.newPage();
    await a.goto(srv.info.ui);
    await b.goto(srv.info.ui);
    await a.getByRole('button', { name: 'Models and downloads' }).click();
    const panelA = a.getByRole('dialog', { name: 'Models' });
    await panelA.getByRole('textbox', { name: 'Download a model' }).fill('qwen3-slow');
    await panelA.getByRole('button', { name: 'Download' }).click();
    const rowA = panelA.getByRole('group', { name: 'Download of qwen3-slow' });
    // Bytes of bytes, speed and time left, with a real progress bar.
    await eventually(async () => /[\d.]+ [kMG]?B of 4\.7 GB · [\d.]+ [kMG]?B\/s · .* left/.test((await rowA.getByRole('status').textContent()) ?? ''), {
      message: 'progress with bytes, speed and time left',
    });
    const bar = rowA.getByRole('progressbar', { name: 'Downloading qwen3-slow' });
    await eventually(async () => Number(await bar.getAttribute('value')) > 0, { message: 'the bar to move' });
    await screenshot(a, '31-model-download');

    // The other window sees it on its button, opens the panel and cancels it.
    await eventually(async () => /%/.test((await b.getByRole('button', { name: 'Models and downloads' }).textContent()) ?? ''), {
      message: 'the other window to show the download',
    });
    await b.getByRole('button', { name: 'Models and downloads' }).click();
    const rowB = b.getByRole('dialog', { name: 'Models' }).getByRole('group', { name: 'Download of qwen3-slow' });
    await rowB.getByRole('button', { name: 'Cancel download of qwen3-slow' }).click();
    await rowB.getByText('Cancelled').waitFor();
    await rowA.getByText('Cancelled').waitFor();

    // A download that finishes puts the model, with its details, in both pickers.
    await panelA.getByRole('textbox', { name: 'Download a model' }).fill('llmtest-vision');
    await panelA.getByRole('button', { name: 'Download' }).click();
    await panelA.getByRole('group', { name: 'Download of llmtest-vision' }).getByText(/Downloaded 3\.3 GB/).waitFor();
    const vision = panelA.getByRole('list', { name: 'Available models' }).getByRole('button', { name: /llmtest-vision/ });
    await eventually(async () => /gemma3 · 4\.3B[\s\S]*Vision/.test((await vision.textContent()) ?? ''), {
      message: 'the downloaded model listed with its details',
    });
    await eventually(
      async () => (await b.getByRole('combobox', { name: 'Model' }).locator('option').allTextContents()).includes('llmtest-vision'),
      { message: 'the other window to offer the new model' },
    );

    // A name Ollama does not know is said in words.
    await panelA.getByRole('textbox', { name: 'Download a model' }).fill('missing-model');
    await panelA.getByRole('button', { name: 'Download' }).click();
    await panelA.getByRole('group', { name: 'Download of missing-model' }).getByText(/no model named "missing-model"/).waitFor();
  } finally {
    await ctx.close();
    await stop(srv.proc);
    await stop(fake.proc);
  }
});

scenario('downloads are refused in words when the provider is not Ollama', async ({ page }) => {
  await newChat(page);
  await page.getByRole('button', { name: 'Models and downloads' }).click();
  const panel = page.getByRole('dialog', { name: 'Models' });
  await panel.getByRole('textbox', { name: 'Download a model' }).fill('llama3.2');
  await panel.getByRole('button', { name: 'Download' }).click();
  const alert = panel.getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /Ollama provider/);
});
