// The page inside the desktop window, emulated: the endpoint from the Wails
// binding, menu events, uploads.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRONTEND, eventually, launchBrowser, screenshot, writePNG } from '../lib.mjs';
import { userMessages, send, lastAnswerText, openChat, answerDone } from '../page.mjs';
import { S, newContext, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

scenario('in the desktop window (emulated): endpoint from the Wails binding, menu events, uploads', async () => {
  const { url, ws, token } = S.server.info;
  // A page fulfilled by the test (no real address) counts as "public" to Chromium's
  // Local Network Access checks, which would block its loopback WebSocket; a real
  // Wails web view loads from its own asset server. This browser skips that check.
  const browser = await launchBrowser(['--disable-features=LocalNetworkAccessChecks']);
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } }, browser);
  try {
    // What the Wails shell provides: the Go binding and the runtime's events.
    await ctx.addInitScript((ep) => {
      const handlers = {};
      window.go = { desktop: { Bridge: { Endpoint: async () => ep } } };
      window.runtime = {
        EventsOn: (name, cb) => {
          handlers[name] = cb;
          return () => delete handlers[name];
        },
        BrowserOpenURL: (u) => {
          window.__opened = u;
        },
      };
      window.__menu = (name) => handlers[name]?.();
    }, { url, ws, token });
    // The page comes from the app's own origin (http://wails.localhost on Windows), not the server.
    const dist = join(FRONTEND, 'dist');
    const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf' };
    await ctx.route('http://wails.localhost/**', (route) => {
      let path = new URL(route.request().url()).pathname;
      if (path === '/') path = '/index.html';
      const file = join(dist, path);
      if (!file.startsWith(dist) || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
      const ext = path.slice(path.lastIndexOf('.'));
      return route.fulfill({ status: 200, contentType: types[ext] ?? 'application/octet-stream', body: readFileSync(file) });
    });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    let mediaPath = 'none';
    page.on('websocket', (w) =>
      w.on('framesent', (f) => {
        const p = String(f.payload);
        if (p.includes('"type":"message"') && p.includes('"media"')) mediaPath = p.includes('data_url') ? 'inline data_url (HTTP upload refused cross-origin)' : 'HTTP upload';
      }),
    );
    await page.goto('http://wails.localhost/');
    await page.getByRole('combobox', { name: 'Model' }).waitFor();
    await eventually(async () => (await page.getByText('Loading chats…').count()) === 0, { message: 'chats over the desktop endpoint' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hearth.token')), null, 'no token stored in the desktop window');

    await page.evaluate(() => window.__menu('menu:new-chat'));
    await page.getByRole('heading', { name: 'Start the conversation' }).waitFor();
    await page.evaluate(() => window.__menu('menu:search'));
    assert.ok(await page.getByRole('searchbox', { name: 'Search chats' }).evaluate((el) => el === document.activeElement), 'menu:search focuses search');

    const png = writePNG(join(S.tmp.dir, 'desk.png'), 320, 200);
    await page.getByLabel('Choose files to attach').setInputFiles(png);
    await eventually(async () => /KB|B$/.test((await page.getByRole('list', { name: 'Attachments' }).locator('.thumb-status').textContent()) ?? ''), {
      message: 'the attachment to be ready',
    });
    const before = (await openChat(page)).count;
    await send(page, 'Describe this image from the desktop');
    const img = userMessages(page).filter({ hasText: 'from the desktop' }).getByRole('img');
    await img.waitFor();
    await eventually(() => img.evaluate((el) => el.complete && el.naturalWidth === 320), { message: 'the image to load from the server' });
    await answerDone(page, before, 'Describe this image from the desktop');
    assert.match(await lastAnswerText(page), /\b1\b.*image|image.*\b1\b|one image/i);
    assert.deepEqual(errors, []);
    console.error(`desktop window: the image went by ${mediaPath}`);
    await screenshot(page, '15-desktop-window');
  } finally {
    await browser.close();
  }
});
