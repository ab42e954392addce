import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { PluginConfigError, validateConfig, type Observation, type PolicyModule } from '@aisle/sdk';
import { FakeClock, parseJsonLines } from '@aisle/sdk/testing';
import plugin, { __PASCAL__Config } from '../src/index.js';

const SAMPLE = new URL('../../samples/observations.jsonl', import.meta.url);

async function create(config: unknown): Promise<{ sut: PolicyModule; logs: string[] }> {
  const logs: string[] = [];
  const log = (message: string): void => void logs.push(message);
  const sut = await plugin.createPolicy({
    storeId: 'store-1',
    config: validateConfig(__PASCAL__Config, config),
    zones: [],
    timezone: 'UTC',
    logger: { debug: log, info: log, warn: log, error: log },
    clock: new FakeClock(),
  });
  return { sut, logs };
}

void test('drops the recorded observations of an ignored sensor and accepts the others', async () => {
  const { sut } = await create({ ignoredSensors: ['street-cam'] });
  const recorded = parseJsonLines<Observation>(await readFile(SAMPLE, 'utf8'));
  assert.deepEqual(
    recorded.map((o) => sut.gate?.(o)),
    [{ accept: true }, { accept: false, reason: 'sensor_ignored' }, { accept: true }],
  );
});

void test('accepts everything by default, and disposes cleanly', async () => {
  const { sut, logs } = await create({});
  const recorded = parseJsonLines<Observation>(await readFile(SAMPLE, 'utf8'));
  assert.ok(recorded.every((o) => sut.gate?.(o).accept === true));
  await sut.dispose?.();
  assert.deepEqual(logs, ['policy disposed']);
});

void test('rejects a bad configuration with a clear message', () => {
  assert.throws(
    () => validateConfig(__PASCAL__Config, { ignoredSensors: 'street-cam' }),
    (error: unknown) => error instanceof PluginConfigError && /ignoredSensors/.test(error.message),
  );
});
