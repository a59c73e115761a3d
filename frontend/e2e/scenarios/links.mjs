// Getting back to a place: a search result opens its chat at the hit, the
// address carries the open chat (reload, Back, Forward, a link), and the
// theme chosen in Settings stays.

import assert from 'node:assert/strict';
import { eventually, runHearthCLI, screenshot } from '../lib.mjs';
import { chatButton } from '../page.mjs';
import { S, TOKEN, newContext, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

/** An export of a chat with n messages, questions and answers in turn; message 6 names the narwhal in bold. */
function chatExport(title, n) {
  const t0 = Date.parse('2026-02-01T00:00:00Z');
  const messages = [];
  for (let i = 1; i <= n; i++) {
    const user = i % 2 === 1;
    messages.push({
      id: i,
      role: user ? 'user' : 'assistant',
      content: i === 6 ? 'Answer 6 says the **narwhal** has one tusk.' : user ? `Question number ${i}` : `Answer number ${i}, at some length so that a page fills the screen.`,
      status: 'done',
      created_at: new Date(t0 + i * 1000).toISOString(),
    });
  }
  return { format: 'hearth.chat.v1', exported_at: new Date().toISOString(), chat: { id: '', title, created_at: new Date(t0).toISOString() }, messages };
}

async function importChat(doc) {
  const res = await fetch(new URL('/api/import', S.server.info.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(doc),
  });
  const body = await res.text();
  assert.equal(res.status, 201, `import: ${body}`);
  return JSON.parse(body).chat;
}

const articleText = (page, text) => page.getByRole('article').filter({ hasText: text });

scenario('a search result opens its chat at the hit, highlighted, and pages up and down from there', async ({ page }) => {
  const chat = await importChat(chatExport('Hundred and twenty', 120));
  await chatButton(page, 'Hundred and twenty').waitFor();

  const search = page.getByRole('searchbox', { name: 'Search chats' });
  await search.fill('narwhal');
  const hits = page.getByRole('region', { name: 'Messages matching the search' });
  const hit = hits.getByRole('button').filter({ hasText: 'Hundred and twenty' });
  await hit.waitFor();
  // The snippet shows the message's text with the matched word highlighted:
  // no markers, and the message's own ** stay its text.
  assert.equal(await hit.locator('mark').textContent(), 'narwhal');
  const snippet = await hit.locator('.hit-snippet').textContent();
  assert.ok(snippet.includes('the **narwhal** has one tusk'), `snippet ${snippet}`);
  assert.ok(!snippet.includes('****'), `no literal markers in ${snippet}`);
  await screenshot(page, '16-search-hit');

  await hit.click();
  await page.getByRole('heading', { level: 1, name: 'Hundred and twenty' }).waitFor();
  const target = page.locator('.search-target');
  await target.waitFor();
  assert.ok((await target.textContent()).includes('has one tusk'), 'the hit is the framed message');
  // In view, and its matched word is highlighted in the rendered text.
  await eventually(
    () =>
      target.evaluate((el) => {
        const box = el.getBoundingClientRect();
        const sc = document.querySelector('[data-virtuoso-scroller]').getBoundingClientRect();
        return box.bottom > sc.top && box.top < sc.bottom;
      }),
    { message: 'the hit in view' },
  );
  const marked = await eventually(
    () =>
      page.evaluate(() => {
        const h = CSS.highlights.get('search-hit');
        const words = h ? [...h].map((r) => r.toString()) : [];
        return words.length ? words : false;
      }),
    { message: 'the matched word highlighted' },
  );
  assert.deepEqual(marked, ['narwhal']);
  // The page around the hit came from the server, not the newest one.
  const held = () => page.evaluate((id) => window.__hearth.getState().views[id].messages.length, chat.id);
  assert.ok((await held()) < 120, `only the page around the hit is loaded (${await held()})`);
  assert.equal(await articleText(page, 'Answer number 120,').count(), 0, 'the newest message is not shown');
  await page.getByRole('button', { name: 'Jump to latest' }).waitFor();
  await screenshot(page, '17-search-hit-opened');

  // Up: the beginning of the chat.
  const scroller = page.getByRole('log', { name: 'Messages' }).locator('[data-virtuoso-scroller]');
  await eventually(
    async () => {
      await scroller.evaluate((el) => el.scrollTo(0, 0));
      return (await page.getByText('Beginning of the chat').count()) > 0;
    },
    { message: 'the beginning of the chat' },
  );
  // Down: later pages load as the bottom is reached, up to the newest message.
  await eventually(
    async () => {
      await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      return (await articleText(page, 'Answer number 120,').count()) > 0;
    },
    { message: 'paging down to the newest message' },
  );
  assert.equal(await held(), 120);
  await search.fill('');
});

scenario('the address names the open chat: reload, Back and Forward keep it, and a link opens a chat', async ({ page }) => {
  const ids = {};
  for (const title of ['Link check: the first chat', 'Link check: the second chat']) {
    const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', title]);
    assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
  }
  const heading = (t) => page.getByRole('heading', { level: 1, name: t });
  const chatInAddress = () => new URL(page.url()).hash.match(/chat=([^&]+)/)?.[1];
  for (const title of ['Link check: the first chat', 'Link check: the second chat']) {
    await chatButton(page, title).click();
    await heading(title).waitFor();
    await eventually(async () => chatInAddress() === (await page.evaluate(() => window.__hearth.getState().activeChatId)), {
      message: 'the open chat in the address',
    });
    ids[title] = chatInAddress();
  }
  assert.ok(!page.url().includes('token='), 'the token is not in the address');
  await page.goBack();
  await heading('Link check: the first chat').waitFor();
  assert.equal(chatInAddress(), ids['Link check: the first chat']);
  // A reload stays on the chat in the address, though another one is newer.
  await page.reload();
  await heading('Link check: the first chat').waitFor();
  assert.equal(chatInAddress(), ids['Link check: the first chat']);
  await page.goForward();
  await heading('Link check: the second chat').waitFor();
  assert.equal(chatInAddress(), ids['Link check: the second chat']);

  // What `hearth open ID` prints opens that chat in a fresh tab.
  const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['open', ids['Link check: the first chat']]);
  assert.equal(out.code, 0, `hearth open failed: ${out.stderr}`);
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const tab = await ctx.newPage();
    await tab.goto(out.stdout.trim());
    await tab.getByRole('heading', { level: 1, name: 'Link check: the first chat' }).waitFor();
    const u = new URL(tab.url());
    assert.equal(u.hash, `#chat=${ids['Link check: the first chat']}`, 'the token left the address, the chat stayed');
  } finally {
    await ctx.close();
  }
});

scenario('theme: dark or light chosen in Settings applies at once and survives a reload', async ({ page }) => {
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = (c) => {
    const [r, g, b] = c.match(/\d+/g).map(Number);
    return r + g + b < 150;
  };
  assert.ok(!dark(await bg()), `the system's light theme first (${await bg()})`);
  await page.getByRole('button', { name: 'Settings' }).click();
  const theme = page.getByRole('combobox', { name: 'Theme' });
  await theme.selectOption('dark');
  await eventually(async () => dark(await bg()), { message: 'a dark background' });
  await page.keyboard.press('Escape');
  await page.reload();
  await page.getByRole('button', { name: 'Settings' }).waitFor();
  assert.ok(dark(await bg()), `still dark after a reload (${await bg()})`);
  await page.getByRole('button', { name: 'Settings' }).click();
  assert.equal(await theme.inputValue(), 'dark');
  await theme.selectOption('system');
  await eventually(async () => !dark(await bg()), { message: 'back to the system theme' });
});
