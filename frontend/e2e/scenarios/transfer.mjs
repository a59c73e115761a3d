// Chats out and in from the window: the chat header's download menu saves the
// open chat as Markdown or JSON (named after its title), and dropping a JSON
// export on the window imports it, branches and all, and opens it. Images
// dropped keep attaching to the composer; a file that is not an export says so.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { eventually, makePNG, screenshot } from '../lib.mjs';
import { chatButton, words } from '../page.mjs';
import { S, TOKEN, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

/**
 * A chat with branches in the export format: the first answer regenerated
 * (the second one is on the active path), and the follow-up edited (the
 * active path goes through the first version).
 */
function branchyExport(title) {
  const t0 = Date.parse('2026-02-03T10:00:00Z');
  const at = (i) => new Date(t0 + i * 60_000).toISOString();
  const m = (i, parent, role, content) => ({ id: i + 1, parent, role, content, status: 'done', model: role === 'assistant' ? 'fake-model' : undefined, created_at: at(i) });
  return {
    format: 'hearth.chat.v2',
    exported_at: at(10),
    chat: { id: '', title, model: 'fake-model', system: '', pinned: false, params: {}, created_at: at(0), updated_at: at(9), active_leaf: 4 },
    messages: [
      m(0, null, 'user', 'Which river runs through Lyon?'),
      m(1, 0, 'assistant', 'The Rhône.'),
      m(2, 0, 'assistant', 'The Rhône and the Saône.'),
      m(3, 2, 'user', 'Which is longer?'),
      m(4, 3, 'assistant', 'The Rhône is longer.'),
      m(5, 2, 'user', 'Which one is navigable?'),
      m(6, 5, 'assistant', 'Both, for barges.'),
    ],
  };
}

async function api(path, init = {}) {
  const res = await fetch(new URL(path, S.server.info.url), { ...init, headers: { Authorization: `Bearer ${TOKEN}`, ...init.headers } });
  const body = await res.text();
  return { status: res.status, body };
}

/** An export with what an import may change left out: ids, the seq counter, the export's own time. */
function normalized(text) {
  const doc = JSON.parse(text);
  delete doc.exported_at;
  delete doc.chat.id;
  delete doc.chat.last_seq;
  for (const m of doc.messages) delete m.id;
  return doc;
}

const openId = (page) => new URLSearchParams(new URL(page.url()).hash.slice(1)).get('chat');

/** The open chat's messages as the page shows them. */
async function shownMessages(page) {
  const texts = await page.getByRole('article').allTextContents();
  return texts.map(words);
}

/** Drags files over the window and drops them, as a file manager does. */
async function dropFiles(page, files, { overlay, shot }) {
  const dt = await page.evaluateHandle((fs) => {
    const d = new DataTransfer();
    for (const f of fs) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      d.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return d;
  }, files.map((f) => ({ name: f.name, type: f.type, b64: Buffer.from(f.data).toString('base64') })));
  const target = page.getByRole('main', { name: 'Chat' });
  await target.dispatchEvent('dragenter', { dataTransfer: dt });
  await target.dispatchEvent('dragover', { dataTransfer: dt });
  const note = page.getByText('Drop to import a chat');
  if (overlay) {
    await note.waitFor();
    if (shot) await screenshot(page, shot);
  } else {
    assert.equal(await note.count(), 0, 'no import overlay for files that are not chat exports');
  }
  await target.dispatchEvent('drop', { dataTransfer: dt });
  await dt.dispose();
}

scenario('a chat with branches downloads as JSON and comes back by dropping the file on the window', async ({ page }) => {
  const title = `Rivers of Lyon ${Date.now()}`;
  const seeded = await api('/api/import', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(branchyExport(title)) });
  assert.equal(seeded.status, 201, seeded.body);
  const original = JSON.parse(seeded.body).chat.id;

  await chatButton(page, title).click();
  await page.getByRole('article').filter({ hasText: 'The Rhône is longer.' }).waitFor();
  const before = await shownMessages(page);

  // Markdown: the conversation as shown, saying there is more.
  await page.getByRole('button', { name: 'Export this chat' }).click();
  await page.getByRole('menu', { name: 'Export this chat' }).waitFor();
  await screenshot(page, '39-download-menu');
  const [md] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: 'Download as Markdown' }).click()]);
  assert.equal(md.suggestedFilename(), `${title}.md`);
  const mdText = await readFile(await md.path(), 'utf8');
  assert.ok(mdText.includes('The Rhône is longer.') && !mdText.includes('Both, for barges.'), `markdown is the active path:\n${mdText}`);
  assert.match(mdText, /other branches/);

  // JSON, from the keyboard this time: every branch.
  await page.getByRole('button', { name: 'Export this chat' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('menuitem', { name: 'Download as Markdown' }).waitFor();
  await page.keyboard.press('ArrowDown');
  const [js] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  assert.equal(js.suggestedFilename(), `${title}.json`);
  const jsonText = await readFile(await js.path(), 'utf8');
  const exported = JSON.parse(jsonText);
  assert.equal(exported.format, 'hearth.chat.v2');
  assert.equal(exported.messages.length, 7, 'every branch is in the file');

  await dropFiles(page, [{ name: js.suggestedFilename(), type: 'application/json', data: jsonText }], { overlay: true, shot: '40-drop-to-import' });
  await page.getByRole('status').filter({ hasText: `Imported “${title}”` }).waitFor();
  await eventually(() => openId(page) && openId(page) !== original, { message: 'the imported chat to open' });
  const imported = openId(page);
  await page.getByRole('article').filter({ hasText: 'The Rhône is longer.' }).waitFor();
  await eventually(async () => JSON.stringify(await shownMessages(page)) === JSON.stringify(before), {
    message: 'the imported chat to show the same messages',
  });
  assert.equal(await chatButton(page, title).count(), 2, 'the original and its copy are both listed');

  // Exported again, the copy is the same file but for ids and seqs.
  const again = await api(`/api/chats/${imported}/export?format=json`);
  assert.equal(again.status, 200, again.body);
  assert.deepEqual(normalized(again.body), normalized(jsonText), 'export → import → export');
});

scenario('a dropped file that is not a chat export says so, and dropped images still attach', async ({ page }) => {
  await dropFiles(page, [{ name: 'shopping.json', type: 'application/json', data: '{"items": ["milk", "bread"]}' }], { overlay: true });
  const alert = page.getByRole('alert').filter({ hasText: 'Could not import shopping.json' });
  await alert.waitFor();
  assert.match(await alert.textContent(), /not a Hearth chat export: it has no "format"/i);
  await screenshot(page, '41-import-refused');

  await dropFiles(page, [{ name: 'dot.png', type: 'image/png', data: makePNG(40, 30) }], { overlay: false });
  const tray = page.getByRole('list', { name: 'Attachments' });
  await tray.getByRole('img', { name: 'dot.png' }).waitFor();
  await page.getByRole('button', { name: 'Remove dot.png' }).click();
});
