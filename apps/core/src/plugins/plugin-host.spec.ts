import { join } from 'node:path';
import pino from 'pino';
import type { Observation } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { EventBus } from '../events/event-bus.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { PluginHost, RETRY_INITIAL_MS, type SensorRecord } from './plugin-host.js';
import { discoverPlugins } from './plugin-discovery.js';

const fixtures = join(process.cwd(), 'test', 'fixtures', 'plugins');

function sensor(id: string, domain: string, config: Record<string, unknown> = {}): SensorRecord {
  return { storeId: 'store-1', id, domain, x: 1, y: 2, z: 2.5, config, enabled: true };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

describe(PluginHost.name, () => {
  let sut: PluginHost;
  let clock: FakeClock;
  let observations: Observation[];
  let events: EventBus;

  beforeEach(async () => {
    clock = new FakeClock();
    observations = [];
    events = new EventBus(clock);
    sut = new PluginHost({
      logger: pino({ level: 'silent' }),
      clock,
      metrics: new HubMetrics({ defaultMetrics: false }),
      events,
      sink: (o, storeId, sensorId) => observations.push({ ...o, storeId, sensorId }),
      ports: () => ({ ports: {}, cleanup: () => undefined }),
      preferSource: true,
    });
    await sut.load(
      await discoverPlugins({ pluginDirs: [join(fixtures, 'ok'), join(fixtures, 'not-ok')] }),
    );
  });

  afterEach(async () => {
    await sut.stopAll();
  });

  it('marks plugins with a bad manifest or a bad entry failed and keeps the good ones', () => {
    const states = Object.fromEntries(sut.list().map((p) => [p.domain, p]));
    expect(states['flaky-adapter']?.status).toBe('loaded');
    expect(states['broken-setup']?.status).toBe('loaded');
    expect(states['Bad_Manifest']?.status).toBe('failed');
    expect(states['Bad_Manifest']?.error).toMatch(/version.*"one"/);
    expect(states['Bad_Manifest']?.error).toMatch(/sdk/);
    expect(states['wrong-export']?.status).toBe('failed');
    expect(states['wrong-export']?.error).toMatch(/configSchema/);
    expect(sut.driverDomains()).toEqual(['broken-setup', 'careless-driver', 'flaky-adapter']);
  });

  it('marks a driver that throws in setup failed, and the others still run', async () => {
    await sut.syncSensors([
      sensor('s-broken', 'broken-setup'),
      sensor('s-flaky', 'flaky-adapter', { failures: 0 }),
    ]);
    await settle();
    const states = Object.fromEntries(sut.driverStates().map((s) => [s.sensorId, s]));
    expect(states['s-broken']).toMatchObject({
      status: 'failed',
      error: 'simulated hardware fault in setup',
    });
    expect(states['s-flaky']).toMatchObject({ status: 'running', available: true });
    expect(observations).toEqual([
      expect.objectContaining({ storeId: 'store-1', sensorId: 's-flaky', kind: 'ble' }),
    ]);
  });

  it('retries a "not ready" setup with exponential back-off until it works', async () => {
    await sut.syncSensors([sensor('s-1', 'flaky-adapter', { failures: 2 })]);
    await settle();
    expect(sut.driverStates()[0]).toMatchObject({ status: 'retrying', attempts: 1 });
    expect(sut.driverStates()[0]?.nextRetryAt).toBe(clock.now() + RETRY_INITIAL_MS);
    clock.advance(RETRY_INITIAL_MS);
    await settle();
    expect(sut.driverStates()[0]).toMatchObject({ status: 'retrying', attempts: 2 });
    expect(sut.driverStates()[0]?.nextRetryAt).toBe(clock.now() + 2 * RETRY_INITIAL_MS);
    clock.advance(2 * RETRY_INITIAL_MS);
    await settle();
    expect(sut.driverStates()[0]).toMatchObject({ status: 'running', attempts: 3 });
    expect(observations).toHaveLength(1);
  });

  it('refuses a bad sensor configuration with the field named', async () => {
    expect(sut.validateSensorConfig('flaky-adapter', { failures: -1 })).toEqual([
      expect.objectContaining({ field: 'config.failures', value: -1 }),
    ]);
    await sut.syncSensors([sensor('s-1', 'flaky-adapter', { failures: 'many' })]);
    await settle();
    expect(sut.driverStates()[0]?.status).toBe('failed');
    expect(sut.driverStates()[0]?.error).toMatch(/failures/);
  });

  it('stops drivers of removed sensors and reports an unknown domain', async () => {
    await sut.syncSensors([
      sensor('s-1', 'flaky-adapter', { failures: 0 }),
      sensor('s-2', 'no-such-plugin'),
    ]);
    await settle();
    expect(sut.driverStates().find((s) => s.sensorId === 's-2')).toMatchObject({
      status: 'failed',
      error: 'no plugin with domain no-such-plugin',
    });
    await sut.syncSensors([]);
    expect(sut.driverStates()).toEqual([]);
  });
});

describe(`${PluginHost.name} and driver secrets`, () => {
  const KEY = 'sk-live-9c2f7e10aa';

  it('scrubs a sensor secret from the logs, rejections, status, error and events of its driver', async () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const events = new EventBus(clock);
    const published: unknown[] = [];
    const subscription = events.events.subscribe((e) => published.push(e));
    const sut = new PluginHost({
      logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }),
      clock,
      metrics: new HubMetrics({ defaultMetrics: false }),
      events,
      sink: () => undefined,
      ports: () => ({ ports: {}, cleanup: () => undefined }),
      preferSource: true,
    });
    try {
      await sut.load(await discoverPlugins({ pluginDirs: [join(fixtures, 'secrets')] }));
      expect(sut.secretConfigFields('leaky-secrets')).toEqual(['apiKey']);
      expect(sut.secretConfigFields('no-such-plugin')).toBeUndefined();

      await sut.syncSensors([
        sensor('s-running', 'leaky-secrets', { apiKey: KEY }),
        sensor('s-failing', 'leaky-secrets', { apiKey: KEY, fail: true }),
      ]);
      await settle();

      const states = Object.fromEntries(sut.driverStates().map((s) => [s.sensorId, s]));
      expect(states['s-running']).toMatchObject({
        status: 'running',
        reason: 'login with *** failed',
      });
      expect(states['s-failing']).toMatchObject({
        status: 'failed',
        error: 'cannot log in with ***',
      });
      const everything = [...lines, JSON.stringify(published), JSON.stringify(states)].join('\n');
      expect(everything).toContain('logging in with ***');
      expect(everything).toContain('the device refused key ***');
      expect(everything).not.toContain(KEY);
    } finally {
      subscription.unsubscribe();
      await sut.stopAll();
    }
  });
});
