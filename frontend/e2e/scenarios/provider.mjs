// The model server coming and going while the window is open: the status
// beside the model picker, the help card and the model list follow it with
// no reload, and a reply that failed offers Settings and Try again.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, freePort, screenshot, startFakeLLM, startHearth, stop } from '../lib.mjs';
import { answers, send, userMessages } from '../page.mjs';
import { S, newContext, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

scenario('a model server that goes away or comes back is noticed without a reload', async () => {
  const port = await freePort();
  // The config file, not --provider-url, so the settings form could change it.
  const srv = await startHearth(S.bins.hearth, {
    root: join(S.tmp.dir, 'provider-health'),
    config: `provider_url = "http://127.0.0.1:${port}/v1"\n`,
    model: 'llama3.2',
  });
  let fake = null;
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await ctx.newPage();
    await page.goto(srv.info.ui);
    const status = page.getByRole('status', { name: 'Model server status' });
    const help = page.getByRole('alert', { name: 'Model server not reachable' });
    const picker = page.getByRole('combobox', { name: 'Model' });

    // Down from the start: the status says so, the help card is there.
    await status.getByText('Model server not reachable').waitFor();
    await help.waitFor();

    // A question to the dead server fails where it is shown, in the window's
    // words (no command-line flags), with the two ways out.
    await send(page, 'Are you there?');
    const failed = answers(page).last().getByRole('alert');
    await failed.getByText('The model failed.').waitFor();
    const words = (await failed.textContent()) ?? '';
    assert.doesNotMatch(words, /--provider-url|HEARTH_PROVIDER_URL/, words);
    assert.match(words, /Server URL in Settings/, words);
    await failed.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Model server' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await screenshot(page, '16-model-server-gone');

    // The server starts on the configured address: noticed with no click,
    // the help card leaves, the models appear, and the new chat's
    // "llama3.2 (not offered)" becomes a model the server has.
    fake = await startFakeLLM(S.bins.fakellm, ['--addr', `127.0.0.1:${port}`]);
    await status.getByText('Model server ready').waitFor();
    await eventually(async () => (await help.count()) === 0, { message: 'the help card to leave' });
    await eventually(async () => (await picker.inputValue()) === 'llmtest-chat', { message: 'an offered model in the picker' });
    const offered = await picker.locator('option').allTextContents();
    assert.ok(offered.includes('llmtest-r1'), `models after the server came back: ${offered.join(', ')}`);
    assert.ok(!offered.some((o) => o.includes('not offered')), `no model marked not offered: ${offered.join(', ')}`);

    // Try again asks for a new answer in place of the failed one (which
    // stays as the answer's first version), and now it is answered.
    await failed.getByRole('button', { name: 'Try again' }).click();
    await eventually(async () => /You said: Are you there\?/.test((await answers(page).last().textContent()) ?? ''), {
      message: 'the retried question answered',
    });
    await answers(page).last().getByText('Version 2 of 2').waitFor();
    assert.equal(await userMessages(page).filter({ hasText: 'Are you there?' }).count(), 1, 'the question is not sent again');

    // And it goes away again: noticed with no send, no click.
    await stop(fake.proc);
    fake = null;
    await status.getByText('Model server not reachable').waitFor();
    await help.waitFor();
  } finally {
    await ctx.close();
    if (fake) await stop(fake.proc);
    await stop(srv.proc);
  }
});
