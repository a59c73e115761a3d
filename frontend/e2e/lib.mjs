// Helpers of the end-to-end suite: build and run the real binaries, drive
// Debian's Chromium, make test files. Every process started here is killed
// on exit, whatever happens.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

export const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = resolve(FRONTEND, '..');
export const SHOTS = join(FRONTEND, 'e2e', 'screenshots');

const children = new Set();

function killAll(signal = 'SIGKILL') {
  for (const p of children) {
    try {
      p.kill(signal);
    } catch {
      // already gone
    }
  }
  children.clear();
}

process.on('exit', () => killAll());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

export function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-e2e-'));
  return {
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function log(...a) {
  if (process.env.E2E_VERBOSE) console.error('[e2e]', ...a);
}

/** Builds the server (without the desktop shell) and the fake LLM server. */
export function buildBinaries(outDir) {
  const hearth = join(outDir, 'hearth');
  const fakellm = join(outDir, 'fakellm');
  const steps = [['go', ['build', '-tags', 'nodesktop', '-o', hearth, '.']]];
  // E2E_FAKELLM: use this executable instead of building the fake LLM server.
  if (!process.env.E2E_FAKELLM) steps.push(['go', ['build', '-o', fakellm, './backend/llm/llmtest/fakellm']]);
  for (const [cmd, args] of steps) {
    const t = Date.now();
    const r = spawnSync(cmd, args, { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
    log(`built ${args[args.length - 1]} in ${Date.now() - t} ms`);
  }
  return { hearth, fakellm: process.env.E2E_FAKELLM || fakellm };
}

/** Starts a process and resolves with its first stdout line that parses as JSON. */
function startJSON(cmd, args, opts, name) {
  return new Promise((resolveP, reject) => {
    const p = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(p);
    let out = '';
    let err = '';
    let done = false;
    // A safety net only: a start normally takes well under a second.
    const timer = setTimeout(() => fail(new Error(`${name} did not say it was listening within 60 s\n${err.slice(-2000)}`)), 60_000);
    function fail(e) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(e);
    }
    p.stdout.on('data', (d) => {
      out += d;
      let i;
      while (!done && (i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i).trim();
        out = out.slice(i + 1);
        try {
          const info = JSON.parse(line);
          done = true;
          clearTimeout(timer);
          resolveP({ proc: p, info, stderr: () => err });
        } catch {
          // not the line we wait for
        }
      }
    });
    p.stderr.on('data', (d) => {
      err += d;
      if (err.length > 200_000) err = err.slice(-100_000);
      if (process.env.E2E_VERBOSE) process.stderr.write(`[${name}] ${d}`);
    });
    p.on('exit', (code, sig) => {
      children.delete(p);
      fail(new Error(`${name} exited early (code ${code}, signal ${sig})\n${err.slice(-2000)}`));
    });
  });
}

/** Starts the fake model server; `args` are its flags (`--addr 127.0.0.1:PORT` to choose its address). */
export async function startFakeLLM(bin, args = []) {
  const { proc, info } = await startJSON(bin, args, {}, 'fakellm');
  if (!info.url) throw new Error(`fakellm printed no url: ${JSON.stringify(info)}`);
  return { proc, url: info.url };
}

/** The environment of a hearth process on the XDG directories under `root`, without the caller's HEARTH_* settings. */
function hearthEnv(root) {
  const env = {
    ...process.env,
    XDG_RUNTIME_DIR: join(root, 'run'),
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_DATA_HOME: join(root, 'xdgdata'),
    XDG_STATE_HOME: join(root, 'state'),
  };
  for (const k of ['HEARTH_PROVIDER_URL', 'HEARTH_MODEL', 'HEARTH_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OLLAMA_HOST', 'HEARTH_LISTEN', 'HEARTH_DATA_DIR', 'HEARTH_SOCKET', 'HEARTH_PROVIDER', 'HEARTH_TOKEN', 'HEARTH_CONFIG']) delete env[k];
  return env;
}

/**
 * Runs the `hearth` CLI against the server started on `root` (over its unix
 * socket, like a user in a terminal) and resolves with its exit code and output.
 */
export function runHearthCLI(bin, root, args, { timeout = 120_000 } = {}) {
  return new Promise((resolveP, reject) => {
    const p = spawn(bin, [args[0], '--socket', join(root, 'run', 'h.sock'), ...args.slice(1)], {
      env: hearthEnv(root),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`hearth ${args.join(' ')} did not finish within ${timeout} ms\n${stderr.slice(-2000)}`));
    }, timeout);
    p.on('error', (e) => {
      clearTimeout(timer);
      children.delete(p);
      reject(e);
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      children.delete(p);
      resolveP({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `hearth serve` on its own XDG dirs; resolves with the listening line.
 * `config` is the text of its config.toml, for a setting the settings form
 * must be able to change: a flag (`providerUrl`) outranks what the form saves.
 * `args` are further flags of `hearth serve` (`--new-token`).
 */
export async function startHearth(bin, { root, providerUrl, listen, token, model = 'fake-model', config, args: extra = [] }) {
  for (const d of ['data', 'run', 'config', 'xdgdata', 'state']) mkdirSync(join(root, d), { recursive: true });
  if (config !== undefined) {
    mkdirSync(join(root, 'config', 'hearth'), { recursive: true });
    writeFileSync(join(root, 'config', 'hearth', 'config.toml'), config);
  }
  const args = [
    'serve',
    '--data-dir', join(root, 'data'),
    '--socket', join(root, 'run', 'h.sock'),
    '--model', model,
  ];
  if (providerUrl) args.push('--provider-url', providerUrl);
  if (listen) args.push('--listen', listen);
  args.push(...extra);
  const env = hearthEnv(root);
  if (token) env.HEARTH_TOKEN = token;
  const { proc, info, stderr } = await startJSON(bin, args, { env }, 'hearth');
  if (info.event !== 'listening' || !info.ui || !info.token) throw new Error(`unexpected first line: ${JSON.stringify(info)}`);
  return { proc, info, stderr };
}

/** Ends a process and waits until it is gone. */
export function stop(proc, signal = 'SIGTERM', graceMs = 5000) {
  return new Promise((res) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      children.delete(proc);
      res();
      return;
    }
    const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => {
      clearTimeout(t);
      children.delete(proc);
      res();
    });
    proc.kill(signal);
  });
}

export function stopAll() {
  killAll();
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs,
    ],
  });
}

/**
 * Polls `fn` until it returns a truthy value (or stops throwing). The timeout
 * is a safety net for a condition that never comes, not a speed requirement:
 * generous enough for a machine whose cores are all busy.
 */
export async function eventually(fn, { timeout = 60_000, interval = 100, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = new Error(`${message}: got ${JSON.stringify(v)}`);
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}: ${last?.message ?? last}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

// ------------------------------------------------------------------ test files

function crc32(buf) {
  let c;
  let crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A real RGB PNG of the given size: a colour gradient with a diagonal band. */
export function makePNG(width, height) {
  const row = 1 + width * 3;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    raw[y * row] = 0;
    for (let x = 0; x < width; x++) {
      const o = y * row + 1 + x * 3;
      const band = Math.abs(x - y * (width / height)) < width / 20;
      raw[o] = band ? 250 : Math.floor((x / width) * 255);
      raw[o + 1] = band ? 200 : Math.floor((y / height) * 255);
      raw[o + 2] = band ? 40 : 140;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function writePNG(path, w, h) {
  writeFileSync(path, makePNG(w, h));
  return path;
}
