// The transcript's scrolling: following the stream, history paged upward
// from the store, a 10,000-message chat.

import assert from 'node:assert/strict';
import { eventually, screenshot } from '../lib.mjs';
import { answers, userMessages, chatButton, newChat, newStoredChat, send, lastAnswerText, waitTurnDone, sendAndWait } from '../page.mjs';
import { S, TOKEN, scenarioList } from '../suite.mjs';

const { scenarios, scenario } = scenarioList();
export default scenarios;

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

scenario('history pages upward from the store as the reader scrolls to the top', async ({ page }) => {
  await newStoredChat(page);
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
