#!/usr/bin/env node
/**
 * Measures "the demo store is live within 10 s of start": spawns the real start path with its
 * embedded defaults (PGlite in a fresh AISLE_DATA_DIR, embedded MQTT broker, demo simulator) and
 * times from the spawn until the live Server-Sent Events stream of the demo store delivers its
 * first position. Free ports are picked for HTTP and MQTT (a local Mosquitto may hold 1883).
 *
 *   node scripts/measure-demo-live.mjs              # `node apps/core/dist/main.js` (built first)
 *   node scripts/measure-demo-live.mjs --npm-start  # `npm start` (includes its build step)
 *   node scripts/measure-demo-live.mjs --runs 3     # median of 3
 */
/* global fetch, performance, TextDecoder, AbortController */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const npmStart = args.includes('--npm-start');
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
/** Give up on one start after this long (the target is 10 s). */
const GIVE_UP_MS = 120_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the SSE stream until a snapshot carries a position; resolves with the elapsed ms. */
async function firstPosition(url, key, started, marks, signal) {
  while (!signal.aborted) {
    let res;
    try {
      res = await fetch(`${url}/api/stores/demo/live?everyMs=250`, {
        headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
        signal,
      });
    } catch {
      await sleep(50);
      continue;
    }
    if (res.status !== 200) {
      // The HTTP server answers before the demo store exists only in theory; retry briefly.
      await res.body?.cancel();
      await sleep(50);
      continue;
    }
    marks.sse ??= performance.now() - started;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        if (!data) continue;
        const snapshot = JSON.parse(data);
        marks.firstSnapshot ??= performance.now() - started;
        marks.mode = snapshot.mode;
        if ((snapshot.positions ?? []).length > 0) return performance.now() - started;
      }
    }
  }
  throw new Error('aborted');
}

async function once() {
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-live-'));
  const key = `ak_${randomBytes(6).toString('hex')}.${randomBytes(32).toString('base64url')}`;
  const [port, mqttPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    AISLE_DATA_DIR: dataDir,
    AISLE_ADMIN_KEY: key,
    PORT: String(port),
    MQTT_PORT: String(mqttPort),
    LOG_LEVEL: 'warn',
  };
  for (const name of ['DATABASE_URL', 'MQTT_URL', 'NATS_URL', 'AISLE_ROLE', 'AISLE_DEMO']) {
    delete env[name];
  }
  const command = npmStart ? ['npm', ['start']] : [process.execPath, ['apps/core/dist/main.js']];
  const started = performance.now();
  const child = spawn(command[0], command[1], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const marks = {};
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), GIVE_UP_MS);
  try {
    const ms = await firstPosition(`http://127.0.0.1:${port}`, key, started, marks, abort.signal);
    return { ms, ...marks };
  } catch (error) {
    throw new Error(`no position within ${GIVE_UP_MS} ms (${error.message}); stderr:\n${stderr}`);
  } finally {
    clearTimeout(timer);
    abort.abort();
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((resolve) =>
      child.exitCode !== null ? resolve() : child.once('exit', resolve),
    );
    // `npm start` exits before the hub it started has closed its database: wait for the group.
    for (let i = 0; i < 300 && groupAlive(child.pid); i += 1) await sleep(100);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

if (!npmStart) {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, AISLE_QUIET_BUILD: '1' },
  });
}
const results = [];
for (let i = 0; i < runs; i += 1) {
  const r = await once();
  results.push(r);
  console.log(
    `run ${i + 1}: first position after ${(r.ms / 1000).toFixed(2)} s ` +
      `(stream open ${(r.sse / 1000).toFixed(2)} s, mode ${r.mode})`,
  );
}
const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(
  `${npmStart ? 'npm start' : 'node apps/core/dist/main.js'}: median ${(median / 1000).toFixed(2)} s ` +
    `over ${runs} run(s) to the demo store's first live position (target 10 s)`,
);
