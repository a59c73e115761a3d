// End-to-end tests of the web UI against the real server and a fake LLM,
// in Debian's Chromium. Run with `npm run e2e` (after `npm run build`: the
// Go binary embeds frontend/dist).
//
// E2E_VERBOSE=1 prints the servers' logs. E2E_ONLY=text runs the scenarios
// whose name contains text; E2E_SHUFFLE=seed runs them in a shuffled order
// (E2E_SHUFFLE=1 draws a seed and prints it): every scenario makes its own
// chats (or its own server) in its own browser context, so none depends on
// another having run before it. E2E_PERF=1 also asserts the timing figures
// the 10,000-message scenario prints (for a quiet machine only).
//
// Waits are for events and conditions, never for time: WAIT is only a safety
// net, long enough for a machine whose cores are all busy.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  FRONTEND,
  SHOTS,
  buildBinaries,
  eventually,
  freePort,
  launchBrowser,
  runHearthCLI,
  screenshot,
  startFakeLLM,
  startHearth,
  stop,
  stopAll,
  tempDir,
  writePNG,
} from './lib.mjs';

const TOKEN = 'e2e-token-0123456789abcdef';
/** Safety net of one wait (Playwright's default, and eventually()'s here). */
const WAIT = 60_000;
/** Safety net of one scenario. */
const T = { timeout: 10 * 60_000 };

const S = {};

before(async () => {
  if (!existsSync(join(FRONTEND, 'dist', 'index.html'))) {
    throw new Error('frontend/dist is empty: run `npm run build` first (the Go binary embeds it)');
  }
  rmSync(SHOTS, { recursive: true, force: true });
  S.tmp = tempDir();
  S.bins = buildBinaries(S.tmp.dir);
  S.fake = await startFakeLLM(S.bins.fakellm);
  S.serverRoot = join(S.tmp.dir, 'server');
  S.server = await startServerAt(S.serverRoot, await freePort());
  S.ui = S.server.info.ui;
  assert.match(S.ui, /#token=/);
  S.browser = await launchBrowser();
});

/** Starts a hearth server of its own on root, listening on 127.0.0.1:port with the test token. */
function startServerAt(root, port) {
  return startHearth(S.bins.hearth, {
    root,
    providerUrl: `${S.fake.url}/v1`,
    listen: `127.0.0.1:${port}`,
    token: TOKEN,
  });
}

/** Waits until the page is connected and has its chat list. */
async function appReady(page) {
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  await eventually(async () => (await page.getByText('Loading chats…').count()) === 0, { message: 'the chat list' });
}

/** A fresh browser context whose waits default to the WAIT safety net. */
async function newContext(opts = {}, browser = S.browser) {
  const ctx = await browser.newContext(opts);
  ctx.setDefaultTimeout(WAIT);
  return ctx;
}

after(async () => {
  try {
    await S.browser?.close();
  } finally {
    stopAll();
    S.tmp?.remove();
  }
});

// ------------------------------------------------------------------ helpers

const answers = (page) => page.getByRole('article', { name: 'Answer' });
const userMessages = (page) => page.getByRole('article', { name: 'Your message' });

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The button that opens a chat in the sidebar (its name is the title, then the time). */
const chatButton = (page, title) =>
  page.getByRole('navigation', { name: 'Chat list' }).getByRole('button', { name: new RegExp(`^${esc(title)}(,| |$)`) });

async function newChat(page) {
  const before = await page.getByRole('navigation', { name: 'Chat list' }).getByRole('listitem').count();
  await page.getByRole('button', { name: 'New chat', exact: true }).click();
  await eventually(async () => (await page.getByRole('navigation', { name: 'Chat list' }).getByRole('listitem').count()) > before, {
    message: 'the new chat in the sidebar',
  });
  await page.getByRole('heading', { name: 'Start the conversation' }).waitFor();
}

async function send(page, text) {
  const box = page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill(text);
  await box.press('Enter');
}

async function lastAnswerText(page) {
  const a = answers(page).last();
  return (await a.locator('.answer').textContent({ timeout: 2000 }).catch(() => '')) ?? '';
}

async function waitTurnDone(page) {
  await eventually(async () => (await page.getByRole('button', { name: 'Stop reply' }).count()) === 0, {
    message: 'the turn to end',
  });
}

/** The open chat as the page's store holds it. */
function openChat(page) {
  return page.evaluate(() => {
    const st = window.__hearth.getState();
    const v = st.views[st.activeChatId];
    const last = v?.messages.at(-1);
    return { id: st.activeChatId, count: v?.messages.length ?? 0, running: !!v?.runningTurnId, last: last && { role: last.role, status: last.status } };
  });
}

/**
 * Sends a message to the open chat and waits until its answer has ended:
 * the store holds the question and a finished answer after what it held
 * before, and no reply is running.
 */
async function sendAndWait(page, text) {
  const before = (await openChat(page)).count;
  await send(page, text);
  await answerDone(page, before, text);
}

/** Waits until the open chat holds a finished answer after the `before` messages it held. */
async function answerDone(page, before, what = 'the message') {
  await eventually(
    async () => {
      const c = await openChat(page);
      return c.count >= before + 2 && !c.running && c.last?.role === 'assistant' && c.last.status !== 'streaming';
    },
    { message: `the answer to "${what}" to end` },
  );
  await waitTurnDone(page);
}

/**
 * Records, from inside the page as it renders, whether an element matching
 * `check` ever appeared: a state that lasts only while the model streams is
 * caught whenever it is rendered, however slowly the test itself runs.
 */
async function watchFor(page, name, check) {
  await page.evaluate(
    ({ name, src }) => {
      const fn = new Function(`return (${src})`)();
      window.__seen ??= {};
      window.__seen[name] = false;
      const look = () => {
        if (!window.__seen[name] && fn()) window.__seen[name] = true;
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      look();
    },
    { name, src: check.toString() },
  );
  return () => eventually(() => page.evaluate((name) => window.__seen[name], name), { message: `the page to show ${name}` });
}

/** The stored text of a chat's last answer, read with `hearth export` (what the server kept). */
async function storedLastAnswer(chatId) {
  const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['export', '--format', 'json', chatId]);
  assert.equal(out.code, 0, `hearth export: ${out.stderr}`);
  const doc = JSON.parse(out.stdout);
  const answer = doc.messages.filter((m) => m.role === 'assistant').at(-1);
  return { content: answer?.content ?? '', status: answer?.status };
}

const words = (t) => t.trim().split(/\s+/).join(' ');

// ------------------------------------------------------------------ scenarios

/**
 * A scenario. Each gets a fresh browser context with the app open on the
 * shared server (`page`, and `errors`: the page's uncaught errors), makes its
 * own chats, and shares no state with the others, so they pass alone, in any
 * order (E2E_ONLY, E2E_SHUFFLE). On failure the page is saved as
 * screenshots/FAILED-<n>.png for a look.
 */
const scenarios = [];
function scenario(name, fn) {
  scenarios.push({ n: scenarios.length + 1, name, fn });
}

function register() {
  let list = scenarios;
  if (process.env.E2E_ONLY) list = list.filter((sc) => sc.name.includes(process.env.E2E_ONLY));
  if (process.env.E2E_SHUFFLE) {
    let seed = Number(process.env.E2E_SHUFFLE);
    if (!Number.isInteger(seed) || seed <= 1) seed = Math.floor(Math.random() * 2 ** 31) + 2;
    console.error(`e2e: scenarios shuffled with E2E_SHUFFLE=${seed}`);
    // mulberry32: a small seeded generator, so an order that fails can be replayed.
    let a = seed >>> 0;
    const rand = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    list = [...list];
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
  }
  for (const sc of list) {
    test(sc.name, T, async () => {
      const ctx = await newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
      const page = await ctx.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(S.ui);
        await appReady(page);
        await sc.fn({ page, errors });
      } catch (e) {
        await screenshot(page, `FAILED-${String(sc.n).padStart(2, '0')}`).catch(() => {});
        throw e;
      } finally {
        await ctx.close();
      }
    });
  }
}

scenario('connects with the token from the address and strips it', async ({ page }) => {
  await eventually(async () => !(await page.evaluate(() => location.hash)).includes('token'), { message: 'token stripped' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hearth.token')), TOKEN);
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  assert.equal(await page.getByRole('alert').filter({ hasText: 'Connection' }).count(), 0);
});

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

scenario('stopping mid-stream keeps the partial answer', async ({ page }) => {
  await newChat(page);
  await send(page, 'Tell me a slow story');
  const stopBtn = page.getByRole('button', { name: 'Stop reply' });
  await stopBtn.waitFor();
  await eventually(async () => (await lastAnswerText(page)).length > 20, { message: 'some streamed text' });
  await stopBtn.click();
  await page.getByText('Stopped', { exact: true }).waitFor();
  await waitTurnDone(page);
  const partial = await lastAnswerText(page);
  assert.ok(partial.length > 20, 'partial text kept');
  // Nothing arrives after the stop: the turn has ended, and what the page
  // shows is what the server kept (read back over another connection, which
  // also gives any late frame time to show up wrongly).
  const kept = await storedLastAnswer((await openChat(page)).id);
  assert.equal(kept.status, 'cancelled');
  assert.equal(words(partial), words(kept.content), 'the page shows the text the server kept');
  assert.equal(await lastAnswerText(page), partial, 'nothing arrives after the stop');
  await page.getByRole('button', { name: 'Send message' }).waitFor();
  await screenshot(page, '05-stopped');
});

scenario('a reload finds the chat intact', async ({ page, errors }) => {
  // A chat of its own: an answer with reasoning and code, then one stopped
  // mid-stream.
  await newChat(page);
  await sendAndWait(page, 'Reload check: say hello in Go');
  await send(page, 'slow: reload check, stop me');
  const stopBtn = page.getByRole('button', { name: 'Stop reply' });
  await stopBtn.waitFor();
  await eventually(async () => (await lastAnswerText(page)).length > 20, { message: 'some streamed text' });
  await stopBtn.click();
  await page.getByText('Stopped', { exact: true }).waitFor();
  await waitTurnDone(page);
  const stopped = await lastAnswerText(page);
  const users = await userMessages(page).allTextContents();

  await page.reload();
  await eventually(async () => (await userMessages(page).count()) === users.length, { message: 'messages after reload' });
  assert.deepEqual(await userMessages(page).allTextContents(), users);
  assert.equal(await lastAnswerText(page), stopped, 'the partial answer survived');
  await page.getByText('Stopped', { exact: true }).waitFor();
  // The first answer is still there with its collapsed reasoning and code.
  await page.getByRole('button', { name: /Thought for \d/ }).first().waitFor();
  await answers(page).first().locator('[data-streamdown="code-block"]').waitFor();
  assert.equal(errors.length, 0, `page errors: ${errors.join('; ')}`);
});

scenario('the view follows the stream only while at the bottom, and never jumps when scrolled up', async ({ page }) => {
  await newChat(page);
  for (const q of ['First question, to fill the screen', 'Second question, to fill it more']) {
    await sendAndWait(page, q);
  }
  const scroller = page.getByRole('log', { name: 'Messages' }).locator('[data-virtuoso-scroller]');
  const gap = () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
  const n = await answers(page).count();
  await send(page, 'slow: a long answer to follow');
  await eventually(async () => (await answers(page).count()) > n && (await lastAnswerText(page)).length > 60, {
    message: 'streaming',
  });
  // Following: at the very bottom, sample after sample, each taken once the
  // text has grown (not after some time). A sample can land between a frame
  // that grew the text and the frame that follows it, so each sample gives the
  // view three frames to be at the bottom.
  const settledGap = () =>
    scroller.evaluate(async (el) => {
      let best = Infinity;
      for (let f = 0; f < 3; f++) {
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
        best = Math.min(best, el.scrollHeight - el.scrollTop - el.clientHeight);
      }
      return best;
    });
  for (let i = 0; i < 10; i++) {
    const grown = (await lastAnswerText(page)).length;
    await eventually(async () => (await lastAnswerText(page)).length > grown, { interval: 20, message: 'the text to grow' });
    const g = await settledGap();
    assert.ok(g <= 4, `following the newest text at the bottom (gap ${g} px)`);
  }

  // Scroll up: the stream goes on below without moving what the reader sees.
  await scroller.evaluate((el) => el.scrollBy(0, -300));
  await page.getByRole('button', { name: 'Jump to latest' }).waitFor();
  const top = await scroller.evaluate((el) => el.scrollTop);
  const len = (await lastAnswerText(page)).length;
  await eventually(async () => (await lastAnswerText(page)).length > len + 20, { message: 'more text while scrolled up' });
  assert.equal(await scroller.evaluate((el) => el.scrollTop), top, 'no jump while scrolled up');

  await page.getByRole('button', { name: 'Jump to latest' }).click();
  await eventually(async () => (await gap()) < 40, { message: 'back at the bottom' });
  const len2 = (await lastAnswerText(page)).length;
  await eventually(async () => (await lastAnswerText(page)).length > len2 + 20, { message: 'more text' });
  await eventually(async () => (await gap()) < 40, { message: 'following again' });
  await page.getByRole('button', { name: 'Stop reply' }).click();
  await waitTurnDone(page);
});

scenario('a message typed during a turn is queued, shown as queued, and runs next', async ({ page }) => {
  await newChat(page);
  await send(page, 'slow: first, long');
  await page.getByRole('button', { name: 'Stop reply' }).waitFor();
  await page.getByRole('button', { name: 'Queue message' }).waitFor();
  await send(page, 'queued second question');
  const queued = userMessages(page).filter({ hasText: 'queued second question' });
  await queued.getByText(/^Queued/).waitFor();
  await screenshot(page, '05b-queued');
  // Stop the first turn: the queued one starts and completes.
  await page.getByRole('button', { name: 'Stop reply' }).click();
  await eventually(async () => (await queued.getByText(/^Queued/).count()) === 0, { message: 'the queued turn to start' });
  await eventually(async () => (await answers(page).count()) === 2, { message: 'a second answer' });
  await waitTurnDone(page);
  assert.match(await lastAnswerText(page), /queued second question/);
  await page.getByText('Stopped', { exact: true }).waitFor();
});

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

scenario('a provider error is shown on the turn', async ({ page }) => {
  await newChat(page);
  await send(page, 'please fail now');
  const alert = answers(page).last().getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /fail/i);
  await screenshot(page, '06-provider-error');
});

scenario('a second window on the same chat sees the turn live, and can stop it', async ({ page }) => {
  await newChat(page);
  const title = 'shared slow chat';
  // Rename so the other window can find it by name.
  const active = page.getByRole('navigation', { name: 'Chat list' }).getByRole('listitem').filter({ has: page.locator('[aria-current="page"]') });
  await active.hover();
  await active.getByRole('button', { name: /^Rename/ }).click();
  const input = page.getByRole('textbox', { name: 'Chat title' });
  await input.fill(title);
  await input.press('Enter');
  await page.getByRole('heading', { name: title }).waitFor();

  const ctx2 = await newContext({ viewport: { width: 1000, height: 760 } });
  try {
    const page2 = await ctx2.newPage();
    await page2.goto(S.ui);
    await chatButton(page2, title).click();
    await page2.getByRole('heading', { name: title }).waitFor();

    await send(page, 'A slow one for two windows');
    await userMessages(page2).filter({ hasText: 'A slow one for two windows' }).waitFor();
    await eventually(async () => (await lastAnswerText(page2)).length > 10, { message: 'live text in window 2' });
    const a = (await lastAnswerText(page2)).length;
    await eventually(async () => (await lastAnswerText(page2)).length > a, { message: 'text still growing in window 2' });
    await screenshot(page2, '07-second-window');

    await page2.getByRole('button', { name: 'Stop reply' }).click();
    await page.getByText('Stopped', { exact: true }).waitFor();
    await page2.getByText('Stopped', { exact: true }).waitFor();
    await waitTurnDone(page);
    await waitTurnDone(page2);
    assert.equal(await lastAnswerText(page), await lastAnswerText(page2), 'both windows hold the same text');
  } finally {
    await ctx2.close();
  }
});

scenario('the server restarts under the page: it reconnects and nothing is lost or doubled', async () => {
  // A server of its own, on its own port and data: killing it disturbs no
  // other scenario.
  const root = join(S.tmp.dir, 'restart');
  const port = await freePort();
  let srv = await startServerAt(root, port);
  const ctx = await newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await ctx.newPage();
    await page.goto(srv.info.ui);
    await newChat(page);
    await send(page, 'slow: keep talking while I restart you');
    await eventually(async () => (await lastAnswerText(page)).length > 30, { message: 'text before the restart' });
    const before = await lastAnswerText(page);

    await stop(srv.proc, 'SIGKILL');
    await page.getByRole('alert').filter({ hasText: 'Connection to Hearth lost' }).waitFor();
    await screenshot(page, '08-reconnecting');
    assert.ok(await page.getByRole('button', { name: /Offline|Send message|Queue message/ }).first().isDisabled(), 'cannot send while offline');

    srv = await startServerAt(root, port);
    await page.getByRole('button', { name: 'Retry now' }).click().catch(() => {});
    await eventually(async () => (await page.getByRole('alert').filter({ hasText: 'Connection to Hearth lost' }).count()) === 0, {
      message: 'the reconnect',
    });
    await waitTurnDone(page);
    await page.getByText(/^Interrupted/).waitFor();
    const after = await lastAnswerText(page);
    assert.ok(after.length > 0, 'the partial answer is kept');
    assert.ok(before.startsWith(after) || after.startsWith(before), `no doubled or foreign text:\nbefore: ${before}\nafter:  ${after}`);

    // What the page shows is what the server stored.
    await page.reload();
    await page.getByText(/^Interrupted/).waitFor();
    assert.equal(await lastAnswerText(page), after);

    // And the chat goes on.
    await sendAndWait(page, 'After the restart, say hello');
    await answers(page).last().getByRole('button', { name: /Thought for \d/ }).waitFor();
    await answers(page).last().locator('[data-streamdown="code-block"]').waitFor();
    assert.match(await lastAnswerText(page), /After the restart/);
  } finally {
    await ctx.close();
    await stop(srv.proc);
  }
});

scenario('a chat deleted in another window says so', async ({ page }) => {
  await newChat(page);
  await sendAndWait(page, 'This chat will be deleted');
  // The server titles a chat after its first message.
  const title = 'This chat will be deleted';
  await page.getByRole('heading', { level: 1, name: title }).waitFor();

  const ctx2 = await newContext();
  try {
    const page2 = await ctx2.newPage();
    await page2.goto(S.ui);
    const row = page2.getByRole('navigation', { name: 'Chat list' }).getByRole('listitem').filter({ has: page2.getByRole('button', { name: new RegExp(`^${esc(title)}`) }) }).first();
    await row.hover();
    await row.getByRole('button', { name: `Delete ${title}` }).click();
    await page2.getByRole('button', { name: 'Undo' }).waitFor();
    // The delete is sent when the undo window closes.
    await page.getByRole('heading', { name: 'This chat was deleted' }).waitFor();
    await screenshot(page, '09-deleted-elsewhere');
    assert.equal(await chatButton(page, title).count(), 0);
  } finally {
    await ctx2.close();
  }
});

/**
 * Opens the chat whose row appears next in the sidebar of `page`, `delay` ms
 * after it appears, the way a user clicks a chat they just saw arrive.
 * Resolves once armed; `window.__openedAt` is set when the click happened.
 */
function openNextChatWhenItAppears(page, delay) {
  return page.evaluate((delay) => {
    const nav = document.querySelector('nav[aria-label="Chat list"]');
    const known = new Set(nav.querySelectorAll('button.chat-open'));
    window.__openedAt = null;
    const mo = new MutationObserver(() => {
      const fresh = [...nav.querySelectorAll('button.chat-open')].find((b) => !known.has(b));
      if (!fresh) return;
      mo.disconnect();
      const open = () => {
        fresh.click();
        window.__openedAt = performance.now();
      };
      if (delay > 0) setTimeout(open, delay);
      else open();
    });
    mo.observe(nav, { childList: true, subtree: true });
  }, delay);
}

/** The transcript holds exactly this question and one complete answer to it, nothing twice. */
async function assertOneTurn(page, prompt) {
  await waitTurnDone(page);
  assert.equal(await userMessages(page).count(), 1, 'one question');
  assert.equal(await answers(page).count(), 1, 'one answer');
  assert.match((await userMessages(page).textContent()) ?? '', new RegExp(esc(prompt)));
  const text = await lastAnswerText(page);
  assert.equal(text.split('You said:').length - 1, 1, `the answer once, not doubled: ${text}`);
  assert.match(text, new RegExp(`You said: ${esc(prompt)}`));
  assert.match(text, /That is all\.$/, `the whole answer: ${text}`);
  assert.equal(await answers(page).locator('[data-streamdown="code-block"]').count(), 1, 'one code block');
  assert.equal(await page.getByRole('heading', { name: 'Start the conversation' }).count(), 0, 'not shown as an empty chat');
}

scenario('a chat the CLI starts shows its question and answer when opened at once or a little later', async ({ page }) => {
  // The turn of the fake model takes about 1.5 s: the first clicks land while it
  // runs (or before the message is even committed), the last after it ended.
  for (const [i, delay] of [0, 0, 150, 500, 1000, 3000].entries()) {
    const prompt = `hello from the terminal, take ${i + 1}`;
    await openNextChatWhenItAppears(page, delay);
    const cli = runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', prompt]);
    await eventually(() => page.evaluate(() => window.__openedAt !== null), { message: `the new chat to be opened (take ${i + 1})` });
    await page.getByRole('heading', { level: 1, name: prompt }).waitFor();
    await userMessages(page).filter({ hasText: prompt }).waitFor();
    await answers(page).filter({ hasText: `You said: ${prompt}` }).waitFor();
    const out = await cli;
    assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
    assert.match(out.stdout, new RegExp(`You said: \\*\\*${esc(prompt)}\\*\\*`));
    await assertOneTurn(page, prompt);
    if (i === 0) await screenshot(page, '09b-chat-from-the-cli');
  }
});

scenario('a chat opened while still empty shows the message another client sends to it, live', async ({ page }) => {
  // Another client: a bare WebSocket from a page on the server's own origin.
  const ctx2 = await newContext();
  try {
    const other = await ctx2.newPage();
    await other.goto(S.server.info.url);
    await other.evaluate(
      async ({ ws, token }) => {
        const sock = new WebSocket(`${ws}?token=${encodeURIComponent(token)}`);
        await new Promise((res, rej) => {
          sock.onopen = res;
          sock.onerror = () => rej(new Error('the WebSocket did not open'));
        });
        const replies = new Map();
        let n = 0;
        sock.onmessage = (m) => {
          const ev = JSON.parse(m.data);
          const r = ev.req_id && replies.get(ev.req_id);
          if (r) {
            replies.delete(ev.req_id);
            r(ev);
          }
        };
        window.__req = (frame) =>
          new Promise((res) => {
            const id = `other-${++n}`;
            replies.set(id, res);
            sock.send(JSON.stringify({ ...frame, req_id: id }));
          });
      },
      { ws: S.server.info.ws, token: TOKEN },
    );
    for (const prompt of ['hello to a chat opened empty', 'slow hello to a chat opened empty']) {
      await openNextChatWhenItAppears(page, 0);
      const created = await other.evaluate(() => window.__req({ type: 'new_chat' }));
      assert.equal(created.event, 'attached', JSON.stringify(created));
      await page.getByRole('heading', { name: 'Start the conversation' }).waitFor();
      const accepted = await other.evaluate((frame) => window.__req(frame), { type: 'message', chat_id: created.chat_id, content: prompt });
      assert.equal(accepted.event, 'message_accepted', JSON.stringify(accepted));
      await userMessages(page).filter({ hasText: prompt }).waitFor();
      if (prompt.startsWith('slow')) {
        // Live: the answer grows on the page while the other client's turn runs.
        await page.getByRole('button', { name: 'Stop reply' }).waitFor();
        await eventually(async () => (await lastAnswerText(page)).length > 20, { message: 'live text' });
        const a = (await lastAnswerText(page)).length;
        await eventually(async () => (await lastAnswerText(page)).length > a, { message: 'the live text growing' });
        await page.getByRole('button', { name: 'Stop reply' }).click();
        await page.getByText('Stopped', { exact: true }).waitFor();
        await waitTurnDone(page);
        assert.equal(await userMessages(page).count(), 1, 'one question');
        assert.equal(await answers(page).count(), 1, 'one answer');
        const partial = await lastAnswerText(page);
        // What the page shows is what the server kept.
        const hist = await other.evaluate((id) => window.__req({ type: 'history', chat_id: id }), created.chat_id);
        assert.deepEqual(
          hist.items.map((m) => [m.role, m.status]),
          [
            ['user', 'done'],
            ['assistant', 'cancelled'],
          ],
        );
        assert.equal(words(partial), words(hist.items[1].content), 'the page shows the text the server kept, once');
      } else {
        await answers(page).filter({ hasText: `You said: ${prompt}` }).waitFor();
        await assertOneTurn(page, prompt);
      }
    }
  } finally {
    await ctx2.close();
  }
});

scenario('keyboard: Ctrl+K focuses search, search finds message text, Ctrl+Shift+O opens a new chat, Esc stops', async ({ page }) => {
  // A chat of its own to find, with a word no other scenario uses.
  const prompt = 'Keyboard check: where does the quokka live?';
  const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', prompt]);
  assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
  await newChat(page);
  await page.getByRole('textbox', { name: 'Message', exact: true }).focus();
  await page.keyboard.press('Control+k');
  const search = page.getByRole('searchbox', { name: 'Search chats' });
  assert.ok(await search.evaluate((el) => el === document.activeElement), 'search focused');
  // Titles filter at once; the server's full-text search finds words inside messages.
  await search.fill('Rayleigh');
  await search.fill('quokka');
  const hits = page.getByRole('region', { name: 'Messages matching the search' });
  await hits.waitFor();
  assert.ok((await hits.getByRole('button').count()) > 0);
  await hits.getByRole('button').first().click();
  await page.getByRole('heading', { level: 1, name: /Keyboard check/ }).waitFor();
  await search.fill('');

  const before = await openChat(page);
  await page.keyboard.press('Control+Shift+O');
  await eventually(async () => (await openChat(page)).id !== before.id, { message: 'a new chat from the keyboard' });
  await page.getByRole('heading', { name: 'Start the conversation' }).waitFor();

  await send(page, 'slow: stop me with Escape');
  await eventually(async () => (await lastAnswerText(page)).length > 10, { message: 'streaming' });
  await page.keyboard.press('Escape');
  await page.getByText('Stopped', { exact: true }).waitFor();
});

scenario('history pages upward from the store as the reader scrolls to the top', async ({ page }) => {
  await newChat(page);
  // 40 quick turns (the fake fails at once on "fail"): 80 messages, more than one page.
  const chatId = await page.evaluate(async () => {
    const c = window.__hearth;
    const id = c.getState().activeChatId;
    for (let i = 1; i <= 40; i++) await c.send(id, `fail number ${i}`, [], true);
    return id;
  });
  await eventually(
    () =>
      page.evaluate((id) => {
        const v = window.__hearth.getState().views[id];
        return v.messages.length === 80 && !v.runningTurnId && v.messages.every((m) => m.status !== 'streaming');
      }, chatId),
    { message: '80 messages' },
  );
  await page.reload();
  await page.getByRole('heading', { name: 'fail number 1' }).waitFor();
  const held = () => page.evaluate((id) => window.__hearth.getState().views[id]?.messages.length ?? 0, chatId);
  await eventually(async () => (await held()) > 0, { message: 'the first page' });
  assert.ok((await held()) < 80, `only the newest page is loaded at first (${await held()})`);
  const scroller = page.getByRole('log', { name: 'Messages' }).locator('[data-virtuoso-scroller]');
  await eventually(
    async () => {
      await scroller.evaluate((el) => el.scrollTo(0, 0));
      return (await page.getByText('Beginning of the chat').count()) > 0;
    },
    { message: 'older pages to load up to the beginning' },
  );
  assert.equal(await held(), 80);
  const first = userMessages(page).filter({ hasText: /^fail number 1$/ });
  await eventually(
    async () => {
      await scroller.evaluate((el) => el.scrollTo(0, 0));
      return first.isVisible();
    },
    { message: 'the first message at the top' },
  );
});

/** An export document (the server's `hearth.chat.v1`) of a chat with `n` messages, questions and answers in turn. */
function bigExport(n) {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const messages = [];
  for (let i = 1; i <= n; i++) {
    const user = i % 2 === 1;
    messages.push({
      id: i,
      ...(user ? {} : { parent_id: i - 1, reasoning: `thinking about ${i}`, reasoning_ms: 1200, model: 'fake-model' }),
      role: user ? 'user' : 'assistant',
      content: user
        ? `Question number ${i}`
        : `Answer **${i}** with a list:\n\n- one\n- two\n\n\`\`\`go\nfmt.Println(${i})\n\`\`\`\n\nand $x^${i % 10}$.`,
      status: 'done',
      created_at: new Date(t0 + i * 1000).toISOString(),
    });
  }
  return {
    format: 'hearth.chat.v1',
    exported_at: new Date().toISOString(),
    chat: { id: 'big', title: 'Ten thousand', model: 'fake-model', created_at: new Date(t0).toISOString() },
    messages,
  };
}

// Timing figures are printed, and asserted only with E2E_PERF=1: under a busy
// CPU a frame or a first paint may take any time, and that is no failure of
// the app (the benchmarks hold the performance figures).
const PERF = !!process.env.E2E_PERF;

scenario('a 10,000-message chat imported into the server opens virtualized, scrolls, and pages upward', async ({ page }) => {
  // Import it through the server's HTTP API, as `hearth import` would; the
  // page hears of it from chat_created.
  const res = await fetch(new URL('/api/import', S.server.info.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(bigExport(10_000)),
  });
  const body = await res.text();
  assert.equal(res.status, 201, `import: ${body}`);
  const { chat } = JSON.parse(body);
  assert.equal(chat.title, 'Ten thousand');
  await chatButton(page, 'Ten thousand').waitFor();

  // Open it and time until the newest answer shows.
  const ms = await page.evaluate(() => {
    const btn = [...document.querySelectorAll('nav[aria-label="Chat list"] button.chat-open')].find((b) => b.title === 'Ten thousand');
    const t0 = performance.now();
    btn.click();
    return new Promise((res) => {
      const check = () =>
        [...document.querySelectorAll('[aria-label="Answer"]')].some((a) => a.textContent.includes('Answer 10000 with'))
          ? res(performance.now() - t0)
          : requestAnimationFrame(check);
      check();
    });
  });
  if (PERF) assert.ok(ms < 3000, `the newest messages show quickly (${Math.round(ms)} ms)`);
  const rendered = await page.getByRole('article').count();
  assert.ok(rendered < 80, `only what is near the viewport is in the DOM (${rendered} articles)`);
  const held = () => page.evaluate((id) => window.__hearth.getState().views[id]?.messages.length ?? 0, chat.id);
  const first = await held();
  assert.ok(first > 0 && first < 100, `only the newest page comes from the server at first (${first} messages)`);

  // Scroll up in steps, timing frames as we go; older pages load from the
  // server as the top is reached.
  const stats = await page.evaluate(async () => {
    const el = document.querySelector('[data-virtuoso-scroller]');
    const gaps = [];
    let last = performance.now();
    for (let i = 0; i < 120; i++) {
      el.scrollTop -= 1500;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }
    gaps.sort((a, b) => a - b);
    return { p50: gaps[60], p95: gaps[114], max: gaps[119], articles: document.querySelectorAll('article').length };
  });
  // Keep going up until a question a thousand messages back is on screen.
  // Each step waits for progress (an older question on screen, once an older
  // page has come from the server), never for a time: the safety net is per
  // step, so a busy machine only makes it take longer.
  const oldestShown = () =>
    page.evaluate(() =>
      Math.min(
        ...[...document.querySelectorAll('[aria-label="Your message"]')].map((a) => Number(/Question number (\d+)/.exec(a.textContent)?.[1] ?? Infinity)),
      ),
    );
  const scroller = page.getByRole('log', { name: 'Messages' }).locator('[data-virtuoso-scroller]');
  let oldest = await oldestShown();
  while (oldest > 9000) {
    const was = oldest;
    await eventually(
      async () => {
        await scroller.evaluate((el) => (el.scrollTop -= 3000));
        oldest = await oldestShown();
        return oldest < was;
      },
      { interval: 50, message: `a question older than number ${was} while paging upward` },
    );
  }
  const loaded = await held();
  const articles = await page.getByRole('article').count();
  console.error(
    `10k chat: opened in ${Math.round(ms)} ms; scrolling frames p50 ${stats.p50.toFixed(1)} ms, p95 ${stats.p95.toFixed(1)} ms, max ${stats.max.toFixed(1)} ms; ${loaded} messages loaded, ${articles} articles in the DOM`,
  );
  assert.ok(stats.articles < 80, `still virtualized after scrolling (${stats.articles})`);
  assert.ok(articles < 80, `still virtualized with ${loaded} messages loaded (${articles})`);
  assert.ok(loaded >= 1000, `older pages came from the server (${loaded} messages)`);
  if (PERF) assert.ok(stats.p95 < 200, `scrolling stays responsive (p95 frame ${stats.p95.toFixed(1)} ms)`);
  await screenshot(page, '14-ten-thousand');
});

scenario('narrow window: the sidebar collapses behind a button; dark theme follows the system', async () => {
  // A chat of its own with a code block to open.
  const title = 'Narrow window: say hello in Go';
  const out = await runHearthCLI(S.bins.hearth, S.serverRoot, ['chat', title]);
  assert.equal(out.code, 0, `hearth chat failed: ${out.stderr}`);
  const ctx = await newContext({ viewport: { width: 390, height: 800 }, colorScheme: 'dark' });
  try {
    const page = await ctx.newPage();
    await page.goto(S.ui);
    await page.getByRole('button', { name: 'Show chats' }).waitFor();
    assert.equal(await page.getByRole('complementary', { name: 'Chats' }).isVisible(), false, 'sidebar hidden');
    await page.getByRole('button', { name: 'Show chats' }).click();
    await page.getByRole('complementary', { name: 'Chats' }).waitFor();
    await screenshot(page, '10-narrow-sidebar-dark');
    await chatButton(page, title).click();
    await page.getByRole('heading', { name: title }).waitFor();
    await answers(page).first().locator('[data-streamdown="code-block"]').waitFor();
    assert.equal(await page.getByRole('complementary', { name: 'Chats' }).isVisible(), false, 'sidebar closes after choosing');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.match(bg, /rgb\((\d{1,2}), (\d{1,2}), (\d{1,2})\)/, `dark background, got ${bg}`);
    await screenshot(page, '11-narrow-chat-dark');
  } finally {
    await ctx.close();
  }
});

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
      window.go = { app: { Desktop: { Endpoint: async () => ep } } };
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

scenario('first run without a model server explains how to start one', async () => {
  const closed = await freePort();
  const srv = await startHearth(S.bins.hearth, {
    root: join(S.tmp.dir, 'no-provider'),
    providerUrl: `http://127.0.0.1:${closed}/v1`,
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

register();
