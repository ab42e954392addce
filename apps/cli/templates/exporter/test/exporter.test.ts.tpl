import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  PluginConfigError,
  validateConfig,
  type AisleEvent,
  type ExporterContext,
  type StoreFigures,
} from '@aisle/sdk';
import { FakeClock, parseJsonLines } from '@aisle/sdk/testing';
import plugin, { __PASCAL__Config } from '../src/index.js';

const SAMPLE = new URL('../../samples/events.jsonl', import.meta.url);

function figures(at: number): StoreFigures {
  return {
    storeId: 'store-1',
    storeName: 'Store 1',
    at,
    k: 5,
    occupancy: [{ zoneId: null, name: 'Store 1', value: 12 }],
    footfallInToday: 40,
    footfallOutToday: 28,
    peopleEstimateToday: 41,
    deviceSharePercent: 63.5,
    sensors: [{ sensorId: 'door-cam', domain: 'camera-counter', available: true }],
  };
}

void test('writes the figures at start, after each triggering event of a recorded stream, and on the timer', async () => {
  const dir = await mkdtemp(join(tmpdir(), '__DOMAIN__-'));
  try {
    const file = join(dir, 'figures.jsonl');
    const clock = new FakeClock();
    const handlers: ((event: AisleEvent) => void)[] = [];
    const statuses: string[] = [];
    const abort = new AbortController();
    const ctx: ExporterContext<__PASCAL__Config> = {
      config: validateConfig(__PASCAL__Config, { file, intervalSeconds: 60 }),
      onEvent: (handler) => {
        handlers.push(handler);
        return () => undefined;
      },
      figures: { storeIds: () => ['store-1'], read: () => Promise.resolve(figures(clock.now())) },
      brokerUrl: 'mqtt://127.0.0.1:1883',
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
      clock,
      signal: abort.signal,
      status: {
        available: () => void statuses.push('available'),
        unavailable: (reason) => void statuses.push(`unavailable: ${reason}`),
      },
    };
    const sut = plugin.createExporter();
    await sut.setup(ctx);
    for (const event of parseJsonLines<AisleEvent>(await readFile(SAMPLE, 'utf8'))) {
      for (const handler of handlers) handler(event);
    }
    clock.advance(60_000);
    await sut.teardown();
    const lines = parseJsonLines<StoreFigures>(await readFile(file, 'utf8'));
    // start + sensor.online + occupancy.changed (visit.started triggers nothing) + one timer tick
    assert.equal(lines.length, 4);
    assert.deepEqual(lines[0], figures(lines[0]?.at ?? 0));
    assert.ok(statuses.every((s) => s === 'available'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('rejects a bad configuration with a clear message', () => {
  assert.throws(
    () => validateConfig(__PASCAL__Config, { intervalSeconds: 1 }),
    (error: unknown) => error instanceof PluginConfigError && /intervalSeconds/.test(error.message),
  );
});
