// Per-chat settings and presets: the settings panel of a chat (keyboard
// reachable, closed by Escape), a preset saved from it, a new chat started
// from that preset, and what the model server received (the fake model
// answers "which settings" with the system prompt and parameters it got).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, freePort, screenshot, stop } from '../lib.mjs';
import { answerDone, lastAnswerText, newChat, newStoredChat, openChat, send } from '../page.mjs';
import { S, newContext, scenarioList, startServerAt } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

async function appReady(page) {
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  await eventually(async () => (await page.getByText('Loading chats…').count()) === 0, { message: 'the chat list' });
}

/** Opens the open chat's settings panel from the keyboard, as a user without a mouse would. */
async function openSettings(page) {
  const button = page.getByRole('button', { name: 'System prompt and parameters' });
  await button.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Chat settings' });
  await dialog.waitFor();
  return dialog;
}

/** Asks the fake model which settings it got and returns its answer. */
async function askSettings(page) {
  const before = (await openChat(page)).count;
  await send(page, 'which settings did you get?');
  await answerDone(page, before, 'which settings');
  return lastAnswerText(page);
}

scenario('Presets: save one from a chat’s settings, start a new chat with it, the model gets its system prompt and parameters', async () => {
  // A server of its own: presets are shared by every window of a server,
  // and other scenarios' drafts should not offer these.
  const root = join(S.tmp.dir, 'presets');
  const srv = await startServerAt(root, await freePort());
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  try {
    await page.goto(srv.info.ui);
    await appReady(page);

    // A chat's settings panel: fill it, save it as a preset, close it with Escape.
    await newStoredChat(page);
    let dialog = await openSettings(page);
    await dialog.getByRole('textbox', { name: 'System prompt' }).fill('You are a pirate. Say arr.');
    await dialog.getByRole('spinbutton', { name: 'Temperature' }).fill('0.3');
    await dialog.getByRole('spinbutton', { name: 'Top-p' }).fill('0.8');
    await dialog.getByRole('combobox', { name: 'Reasoning effort' }).selectOption('high');
    // Out of bounds is refused in words, before anything is sent.
    await dialog.getByRole('spinbutton', { name: 'Context length' }).fill('12');
    await dialog.getByRole('textbox', { name: 'Preset name' }).fill('Pirate');
    await dialog.getByRole('button', { name: 'Save as preset' }).click();
    await dialog.getByText(/Context length is a whole number/).waitFor();
    await dialog.getByRole('spinbutton', { name: 'Context length' }).fill('');
    await dialog.getByRole('button', { name: 'Save as preset' }).click();
    await dialog.getByText('Saved preset “Pirate”.').waitFor();
    const list = dialog.getByRole('list', { name: 'Saved presets' });
    await list.getByText('Pirate', { exact: true }).waitFor();
    assert.match((await list.textContent()) ?? '', /temperature 0\.3 · top-p 0\.8 · effort high/);
    await screenshot(page, '30-chat-settings');
    await page.keyboard.press('Escape');
    await eventually(async () => !(await dialog.isVisible()), { message: 'Escape to close the panel' });

    // A new chat from the preset: chosen in the draft, sent with new_chat.
    await newChat(page);
    const chooser = page.getByRole('combobox', { name: 'Preset for this chat' });
    await chooser.selectOption('Pirate');
    await page.getByText(/temperature 0\.3 · top-p 0\.8 · effort high/).waitFor();
    const answer = await askSettings(page);
    assert.match(answer, /system: You are a pirate\. Say arr\./, `the model got the preset's system prompt: ${answer}`);
    assert.match(answer, /temperature: 0\.3/, answer);
    assert.match(answer, /top_p: 0\.8/, answer);
    assert.match(answer, /reasoning_effort: high/, answer);
    // OpenAI-compatible servers have no context length field.
    assert.match(answer, /num_ctx: unset/, answer);
    const { id } = await openChat(page);

    // After a reload the chat still has them, and its panel shows them.
    await page.reload();
    await appReady(page);
    await page.evaluate((id) => window.__hearth.openChat(id), id);
    dialog = await openSettings(page);
    assert.equal(await dialog.getByRole('textbox', { name: 'System prompt' }).inputValue(), 'You are a pirate. Say arr.');
    assert.equal(await dialog.getByRole('spinbutton', { name: 'Temperature' }).inputValue(), '0.3');
    assert.equal(await dialog.getByRole('spinbutton', { name: 'Top-p' }).inputValue(), '0.8');
    assert.equal(await dialog.getByRole('combobox', { name: 'Reasoning effort' }).inputValue(), 'high');
    await dialog.getByText('Last preset applied: “Pirate”').waitFor();

    // Changed in the panel: the next answer uses the new values; a parameter
    // emptied goes back to the default (unset here).
    await dialog.getByRole('spinbutton', { name: 'Temperature' }).fill('1.2');
    await dialog.getByRole('spinbutton', { name: 'Top-p' }).fill('');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.getByText(/^Saved\./).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    const again = await askSettings(page);
    assert.match(again, /temperature: 1\.2/, again);
    assert.match(again, /top_p: unset/, again);
    assert.match(again, /system: You are a pirate/, again);

    // The presets manager: delete it; the new chat's chooser offers it no more.
    dialog = await openSettings(page);
    await dialog.getByRole('button', { name: 'Delete preset Pirate' }).click();
    await dialog.getByText('Deleted preset “Pirate”.').waitFor();
    await eventually(async () => (await dialog.getByRole('list', { name: 'Saved presets' }).count()) === 0, { message: 'the list to empty' });
    await page.keyboard.press('Escape');
    await newChat(page);
    assert.equal(await page.getByRole('combobox', { name: 'Preset for this chat' }).count(), 0, 'no preset to choose');
  } finally {
    await ctx.close();
    await stop(srv.proc);
  }
});
