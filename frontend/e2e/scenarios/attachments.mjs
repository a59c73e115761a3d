// Attachments: an image downscaled, uploaded and shown in the transcript;
// an upload the server refuses.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, screenshot, writePNG } from '../lib.mjs';
import { userMessages, newChat, send, lastAnswerText, openChat, answerDone } from '../page.mjs';
import { S, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

scenario('an uploaded image is downscaled, sent and shown in the transcript', async ({ page }) => {
  await newChat(page);
  const png = writePNG(join(S.tmp.dir, 'wide.png'), 2600, 1300);
  await page.getByLabel('Choose files to attach').setInputFiles(png);
  const tray = page.getByRole('list', { name: 'Attachments' });
  await tray.getByRole('img', { name: 'wide.png' }).waitFor();
  await eventually(async () => /KB|MB|B$/.test((await tray.locator('.thumb-status').textContent()) ?? ''), {
    message: 'the upload to finish',
  });
  await screenshot(page, '03-attachment');
  const before = (await openChat(page)).count;
  await send(page, 'What is in this image?');
  const msg = userMessages(page).filter({ hasText: 'What is in this image?' });
  const img = msg.getByRole('img');
  await img.waitFor();
  const size = await eventually(
    () => img.evaluate((el) => (el.complete && el.naturalWidth > 0 ? [el.naturalWidth, el.naturalHeight] : null)),
    { message: 'the image to load from the server' },
  );
  assert.deepEqual(size, [2048, 1024], 'large images are scaled to 2048 px before upload');
  await answerDone(page, before, 'What is in this image?');
  assert.match(await lastAnswerText(page), /\b1\b.*image|image.*\b1\b|one image/i, 'the model received one image');
  await screenshot(page, '04-image-sent');
});

scenario('an upload the server refuses says why in words', async ({ page }) => {
  const { writeFileSync } = await import('node:fs');
  const bad = join(S.tmp.dir, 'notes.mp4');
  writeFileSync(bad, 'this is plain text, not a video');
  await page.getByLabel('Choose files to attach').setInputFiles(bad);
  const err = page.getByRole('list', { name: 'Attachments' }).getByRole('alert');
  await err.waitFor();
  assert.ok(((await err.textContent()) ?? '').length > 10, 'a sentence, not a code');
  assert.ok(await page.getByRole('button', { name: /Send message|Wait for uploads/ }).isDisabled(), 'cannot send with a failed upload');
  await page.getByRole('button', { name: 'Remove notes.mp4' }).click();
  await eventually(async () => (await page.getByRole('list', { name: 'Attachments' }).count()) === 0, { message: 'tray emptied' });
});
