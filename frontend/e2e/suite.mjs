// What every scenario shares: the one server and browser the runner
// (run.mjs) starts before them, and the ways to get a context or a server of
// one's own.

import { startHearth } from './lib.mjs';

export const TOKEN = 'e2e-token-0123456789abcdef';
/** Safety net of one wait (Playwright's default, and eventually()'s here). */
const WAIT = 60_000;

/**
 * Filled by the runner's `before` (tmp, bins, fake, serverRoot, server, ui,
 * browser): one object the scenario modules import, since they are loaded
 * before it runs.
 */
export const S = {};

/** Starts a hearth server of its own on root, listening on 127.0.0.1:port with the test token. */
export function startServerAt(root, port) {
  return startHearth(S.bins.hearth, {
    root,
    providerUrl: `${S.fake.url}/v1`,
    listen: `127.0.0.1:${port}`,
    token: TOKEN,
    // Scenarios find their chats by the first words of the first message;
    // titles made by the model are the Go tests' (backend/turns/title_test.go).
    config: 'auto_titles = false\n',
  });
}

/** A fresh browser context whose waits default to the WAIT safety net. */
export async function newContext(opts = {}, browser = S.browser) {
  const ctx = await browser.newContext(opts);
  ctx.setDefaultTimeout(WAIT);
  return ctx;
}

/**
 * A scenario module's list and the function that adds to it, in the order the
 * module declares them. What a scenario is given and must keep to is written
 * at `register` in run.mjs.
 */
export function scenarioList() {
  const scenarios = [];
  return { scenarios, scenario: (name, fn) => void scenarios.push({ name, fn }) };
}
