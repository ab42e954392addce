import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PluginConfigError, validateConfig } from '@aisle/sdk';
import {
  FakeClock,
  FakeMqttPort,
  expectObservations,
  parseJsonLines,
  replayCapture,
  startDriver,
  type CaptureRecord,
} from '@aisle/sdk/testing';
import plugin, { __PASCAL__Config } from '../src/index.js';

const SAMPLE = new URL('../../samples/counts.jsonl', import.meta.url);
const START = Date.UTC(2026, 11, 7, 9, 0, 0);

async function sample(): Promise<CaptureRecord[]> {
  return parseJsonLines<CaptureRecord>(await readFile(SAMPLE, 'utf8'));
}

void test('emits one camera observation per message of the recorded capture', async () => {
  const mqtt = new FakeMqttPort();
  const clock = new FakeClock(START);
  const sut = await startDriver(plugin, { ports: { mqtt }, clock });
  await replayCapture(
    await sample(),
    (r) => mqtt.deliver(r.topic ?? '', r.payload as object),
    clock,
  );
  expectObservations(sut.observations, [
    { kind: 'camera', lineId: 'entrance', entries: 3, exits: 0, at: START },
    { kind: 'camera', lineId: 'entrance', entries: 1, exits: 2 },
    { kind: 'camera', lineId: 'entrance', entries: 0, exits: 1 },
  ]);
  assert.deepEqual(sut.statuses, ['available']);
  await sut.stop();
});

void test('rejects a malformed message with the field and value, and goes on', async () => {
  const mqtt = new FakeMqttPort();
  const sut = await startDriver(plugin, { ports: { mqtt } });
  mqtt.deliver('__DOMAIN__/door-1/counts', { line: 'entrance', in: -1, out: 0 });
  mqtt.deliver('__DOMAIN__/door-1/counts', 'not json');
  mqtt.deliver('__DOMAIN__/door-1/counts', { line: 'entrance', in: 2, out: 0 });
  assert.deepEqual(
    sut.rejections.map((r) => r.reason),
    ['bad_in', 'not_json'],
  );
  assert.match(sut.rejections[0]?.detail ?? '', /in: .*got -1/);
  assert.equal(sut.observations.length, 1);
  await sut.stop();
});

void test('goes unavailable after the configured silence, and available again on the next message', async () => {
  const mqtt = new FakeMqttPort();
  const clock = new FakeClock(START);
  const sut = await startDriver(plugin, {
    ports: { mqtt },
    clock,
    config: { unavailableAfterSeconds: 30 },
  });
  mqtt.deliver('__DOMAIN__/door-1/counts', { line: 'entrance', in: 1, out: 0 });
  clock.advance(30_000);
  mqtt.deliver('__DOMAIN__/door-1/counts', { line: 'entrance', in: 1, out: 0 });
  assert.deepEqual(sut.statuses, [
    'available',
    'unavailable: no counts message for 30 s',
    'available',
  ]);
  await sut.stop();
});

void test('stops cleanly: unsubscribed, nothing emitted after teardown', async () => {
  const mqtt = new FakeMqttPort();
  const sut = await startDriver(plugin, { ports: { mqtt } });
  await sut.stop();
  assert.equal(mqtt.subscriptionCount, 0);
  mqtt.deliver('__DOMAIN__/door-1/counts', { line: 'entrance', in: 1, out: 0 });
  assert.equal(sut.observations.length, 0);
});

void test('rejects a bad configuration with a clear message', () => {
  assert.throws(
    () => validateConfig(__PASCAL__Config, { unavailableAfterSeconds: 1, colour: 'red' }),
    (error: unknown) =>
      error instanceof PluginConfigError &&
      /unavailableAfterSeconds/.test(error.message) &&
      /colour/.test(error.message),
  );
});

void test('the offline decoder reads the recorded sample', async () => {
  const decoder = plugin.decoders?.['__DOMAIN__'];
  assert.ok(decoder);
  const rejections: string[] = [];
  const observations = [];
  for await (const o of decoder.decode(fileURLToPath(SAMPLE), {
    ports: {},
    reject: (reason) => void rejections.push(reason),
    progress: () => undefined,
    signal: new AbortController().signal,
  })) {
    observations.push(o);
  }
  assert.equal(observations.length, 3);
  assert.deepEqual(rejections, []);
});
