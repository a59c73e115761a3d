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
// The scenarios are in scenarios/, one module per concern; this runner starts
// what they share (suite.mjs) and gives each its own browser context. Their
// page helpers are in page.mjs, processes and files in lib.mjs.
//
// Waits are for events and conditions, never for time: WAIT (suite.mjs) is
// only a safety net, long enough for a machine whose cores are all busy.

import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  FRONTEND,
  SHOTS,
  buildBinaries,
  eventually,
  freePort,
  launchBrowser,
  screenshot,
  startFakeLLM,
  stopAll,
  tempDir,
} from './lib.mjs';
import attachments from './scenarios/attachments.mjs';
import branches from './scenarios/branches.mjs';
import branchsearch from './scenarios/branchsearch.mjs';
import chatlist from './scenarios/chatlist.mjs';
import connection from './scenarios/connection.mjs';
import desktop from './scenarios/desktop.mjs';
import links from './scenarios/links.mjs';
import models from './scenarios/models.mjs';
import navigation from './scenarios/navigation.mjs';
import organise from './scenarios/organise.mjs';
import otherClients from './scenarios/other-clients.mjs';
import provider from './scenarios/provider.mjs';
import polish from './scenarios/polish.mjs';
import presets from './scenarios/presets.mjs';
import rendering from './scenarios/rendering.mjs';
import scrolling from './scenarios/scrolling.mjs';
import temporary from './scenarios/temporary.mjs';
import turns from './scenarios/turns.mjs';
import transfer from './scenarios/transfer.mjs';
import tools from './scenarios/tools.mjs';
import agents from './scenarios/agents.mjs';
import { S, newContext, startServerAt } from './suite.mjs';

/** Safety net of one scenario. */
const T = { timeout: 10 * 60_000 };

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

/** Waits until the page is connected and has its chat list. */
async function appReady(page) {
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  await eventually(async () => (await page.getByText('Loading chats…').count()) === 0, { message: 'the chat list' });
}

after(async () => {
  try {
    await S.browser?.close();
  } finally {
    stopAll();
    S.tmp?.remove();
  }
});

/**
 * A scenario. Each gets a fresh browser context with the app open on the
 * shared server (`page`, and `errors`: the page's uncaught errors), makes its
 * own chats, and shares no state with the others, so they pass alone, in any
 * order (E2E_ONLY, E2E_SHUFFLE). On failure the page is saved as
 * screenshots/FAILED-<n>.png for a look.
 */
const scenarios = [connection, rendering, attachments, turns, chatlist, scrolling, models, provider, otherClients, navigation, links, polish, desktop, branches, branchsearch, transfer, organise, presets, temporary, tools, agents]
  .flat()
  .map((sc, i) => ({ n: i + 1, ...sc }));

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

register();
