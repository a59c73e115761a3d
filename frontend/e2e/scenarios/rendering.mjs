// How an answer renders: reasoning that streams and then collapses, code,
// math, and a provider's error on the turn.

import assert from 'node:assert/strict';
import { eventually, screenshot } from '../lib.mjs';
import { answers, userMessages, newChat, send, waitTurnDone, sendAndWait, watchFor } from '../page.mjs';
import { scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

scenario('a message streams its reasoning, which collapses, then the answer renders with a code block', async ({ page }) => {
  await newChat(page);
  // The live block shows a running timer next to the streamed reasoning. It
  // lasts as long as the model reasons (about a second), so the page itself
  // records that it showed it.
  const sawTimer = await watchFor(page, 'the running timer of the live reasoning', () => {
    const t = document.querySelector('[role="timer"]');
    return t && /\d s$/.test(t.textContent ?? '') && t.closest('section')?.textContent?.includes('Thinking…');
  });
  await send(page, 'Say hello in Go');
  await userMessages(page).filter({ hasText: 'Say hello in Go' }).waitFor();
  await sawTimer();
  const thinking = page.getByText('Thinking…');
  if (await thinking.isVisible()) await screenshot(page, '01-thinking');

  const thought = page.getByRole('button', { name: /Thought for \d/ });
  await thought.waitFor();
  assert.equal(await thought.getAttribute('aria-expanded'), 'false', 'reasoning collapses when the answer starts');
  await waitTurnDone(page);
  const answer = answers(page).last();
  const code = answer.locator('[data-streamdown="code-block"]');
  await code.waitFor();
  assert.match((await code.textContent()) ?? '', /Say hello in Go/, 'the code block echoes the prompt');
  assert.equal(await code.getAttribute('data-language'), 'go');
  await answer.getByRole('button', { name: 'Copy Code' }).waitFor();
  // Highlighted: tokens carry colours.
  await eventually(async () => (await code.locator('span[style*="--sdm-c: #"], span[style*="--sdm-c:#"]').count()) > 0, {
    message: 'syntax highlighting',
  });

  await thought.click();
  assert.equal(await thought.getAttribute('aria-expanded'), 'true');
  assert.ok(((await answer.locator('.reasoning-body').textContent()) ?? '').length > 0, 'the reasoning text is kept');
  await screenshot(page, '02-answer');
  await thought.click();
});

scenario('math renders with KaTeX', async ({ page }) => {
  await newChat(page);
  await sendAndWait(page, 'Some math please');
  const answer = answers(page).last();
  await answer.locator('.katex').first().waitFor();
  assert.ok((await answer.locator('.katex-display').count()) >= 1, 'display math');
  assert.ok((await answer.locator('.katex').count()) >= 2, 'inline and display math');
});

scenario('a provider error is shown on the turn', async ({ page }) => {
  await newChat(page);
  await send(page, 'please fail now');
  const alert = answers(page).last().getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /fail/i);
  await screenshot(page, '06-provider-error');
});
