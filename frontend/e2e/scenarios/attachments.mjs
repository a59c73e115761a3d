// Attachments: an image downscaled, uploaded and shown in the transcript;
// an upload the server refuses; documents (a markdown file and a PDF) shown
// as file chips whose text the model reads; a PDF without text refused.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, eventually, screenshot, writePNG } from '../lib.mjs';
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
  const bad = join(S.tmp.dir, 'notes.mp4');
  // Bytes that are neither media nor text (plain text is a document now).
  writeFileSync(bad, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8, 9]));
  await page.getByLabel('Choose files to attach').setInputFiles(bad);
  const err = page.getByRole('list', { name: 'Attachments' }).getByRole('alert');
  await err.waitFor();
  assert.ok(((await err.textContent()) ?? '').length > 10, 'a sentence, not a code');
  assert.ok(await page.getByRole('button', { name: /Send message|Wait for uploads/ }).isDisabled(), 'cannot send with a failed upload');
  await page.getByRole('button', { name: 'Remove notes.mp4' }).click();
  await eventually(async () => (await page.getByRole('list', { name: 'Attachments' }).count()) === 0, { message: 'tray emptied' });
});

/** A one-page PDF without a text layer, as a scanner makes one: a grey rectangle. */
function scannedPDF() {
  const content = '0.5 g 72 600 200 100 re f';
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = objs.map((o, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const at of offsets) out += `${String(at).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

scenario('a markdown file and a PDF become file chips and the model reads their text', async ({ page }) => {
  await newChat(page);
  const md = join(S.tmp.dir, 'notes.md');
  writeFileSync(md, 'Hearth notes: the fire is lit at six.\n\n- wood\n- kindling\n');
  // Printed to PDF by Chromium: real fonts with their Unicode maps.
  const pdf = join(S.tmp.dir, 'report.pdf');
  writeFileSync(pdf, readFileSync(join(REPO, 'backend', 'media', 'testdata', 'report.pdf')));
  await page.getByLabel('Choose files to attach').setInputFiles([md, pdf]);
  const tray = page.getByRole('list', { name: 'Attachments' });
  for (const name of ['notes.md', 'report.pdf']) {
    const chip = tray.getByRole('listitem').filter({ hasText: name });
    await chip.waitFor();
    await eventually(async () => /\d( KB| B)$/.test((await chip.locator('.thumb-status').textContent()) ?? ''), {
      message: `the upload of ${name} to finish`,
    });
  }
  await screenshot(page, '05-documents-attached');

  const before = (await openChat(page)).count;
  await send(page, 'What do these files say?');
  const msg = userMessages(page).filter({ hasText: 'What do these files say?' });
  await msg.getByRole('link', { name: /^notes\.md, Text, \d+ B$/ }).waitFor();
  await msg.getByRole('link', { name: /^report\.pdf, PDF, \d+(\.\d)? KB$/ }).waitFor();
  await answerDone(page, before, 'What do these files say?');
  const answer = await lastAnswerText(page);
  assert.match(answer, /I read 2 document/, `the model was given both documents: ${answer}`);
  assert.match(answer, /notes\.md.*beginning: Hearth notes: the fire is lit at six\./s, 'the markdown text reached the model');
  assert.match(answer, /report\.pdf.*beginning: Quarterly report/s, 'the PDF text reached the model');
  await screenshot(page, '06-documents-sent');

  // The chip downloads the file the user attached, under its name.
  const [download] = await Promise.all([page.waitForEvent('download'), msg.getByRole('link', { name: /^notes\.md/ }).click()]);
  assert.equal(download.suggestedFilename(), 'notes.md');
});

scenario('a PDF without text is refused with a sentence saying why', async ({ page }) => {
  await newChat(page);
  const scan = join(S.tmp.dir, 'scan.pdf');
  writeFileSync(scan, scannedPDF());
  await page.getByLabel('Choose files to attach').setInputFiles(scan);
  const err = page.getByRole('list', { name: 'Attachments' }).getByRole('alert');
  await err.waitFor();
  assert.match((await err.textContent()) ?? '', /no text to read.*scan/, 'the refusal says the PDF has no text');
  await page.getByRole('button', { name: 'Remove scan.pdf' }).click();
  await eventually(async () => (await page.getByRole('list', { name: 'Attachments' }).count()) === 0, { message: 'tray emptied' });
});
