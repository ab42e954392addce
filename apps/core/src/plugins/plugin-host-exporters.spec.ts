import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SDK_VERSION, type StoreFigures } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { EventBus } from '../events/event-bus.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { PluginHost } from './plugin-host.js';
import { discoverPlugins } from './plugin-discovery.js';

const fixtures = join(process.cwd(), 'test', 'fixtures', 'plugins');

function figures(storeId: string): StoreFigures {
  return {
    storeId,
    storeName: 'Store',
    at: 0,
    k: 5,
    occupancy: [{ zoneId: null, name: 'Store', value: 7 }],
    footfallInToday: 12,
    footfallOutToday: 5,
    peopleEstimateToday: 13,
    deviceSharePercent: 61.5,
    sensors: [],
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

const sources = {
  brokerUrl: 'mqtt://127.0.0.1:1',
  figures: { storeIds: () => ['store-1'], read: (id: string) => Promise.resolve(figures(id)) },
};

describe(`${PluginHost.name} (exporters, SDK range, plugin folders)`, () => {
  let lines: string[];
  let events: EventBus;
  let sut: PluginHost;

  beforeEach(() => {
    lines = [];
    const clock = new FakeClock();
    events = new EventBus(clock);
    sut = new PluginHost({
      logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }),
      clock,
      metrics: new HubMetrics({ defaultMetrics: false }),
      events,
      sink: () => undefined,
      ports: () => ({ ports: {}, cleanup: () => undefined }),
      preferSource: true,
    });
  });

  afterEach(async () => {
    await sut.stopAll();
  });

  it('runs an exporter: bus events and figures in, teardown with the signal aborted', async () => {
    await sut.load(await discoverPlugins({ pluginDirs: [join(fixtures, 'exporters')] }));
    expect(sut.get('recording-exporter')).toMatchObject({ status: 'loaded', kind: 'exporter' });
    await sut.startExporters({ 'recording-exporter': { label: 'rec' } }, sources);
    expect(sut.exporterStates()).toEqual([
      { domain: 'recording-exporter', status: 'running', available: true },
    ]);
    events.publish('sensor.offline', 'store-1', { sensorId: 's1', domain: 'x', reason: 'gone' });
    await settle();
    const got = lines.map((l) => JSON.parse(l) as { msg: string; figures?: StoreFigures });
    expect(got.find((l) => l.msg === 'rec got sensor.offline')?.figures).toEqual(
      figures('store-1'),
    );
    await sut.stopAll();
    expect(lines.join('\n')).toContain('rec stopped; aborted=true');
    // After the stop, events no longer reach it.
    events.publish('sensor.online', 'store-1', { sensorId: 's1', domain: 'x' });
    await settle();
    expect(lines.join('\n')).not.toContain('rec got sensor.online');
  });

  it('marks an exporter failed for a bad config, a failing setup, an unknown or non-exporter domain', async () => {
    await sut.load(
      await discoverPlugins({ pluginDirs: [join(fixtures, 'exporters'), join(fixtures, 'ok')] }),
    );
    await sut.startExporters({ 'recording-exporter': { label: 3 } }, sources);
    await sut.stopAll();
    await sut.startExporters(
      {
        'recording-exporter': { failSetup: true },
        'no-such-plugin': {},
        'flaky-adapter': {},
      },
      sources,
    );
    expect(sut.exporterStates()).toEqual([
      expect.objectContaining({ status: 'failed', error: 'cannot reach the warehouse' }),
      expect.objectContaining({ status: 'failed', error: 'no plugin with domain no-such-plugin' }),
      expect.objectContaining({
        status: 'failed',
        error: 'plugin flaky-adapter is not usable as an exporter: it is a driver plugin',
      }),
    ]);
    expect(lines.join('\n')).toMatch(/invalid configuration of exporter recording-exporter: label/);
  });

  it('refuses a plugin whose SDK range this hub does not satisfy, saying both versions', async () => {
    await sut.load(
      await discoverPlugins({ pluginDirs: [join(fixtures, 'check', 'not-ok', 'sdk-range')] }),
    );
    expect(sut.get('sdk-range')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining(
        `invalid manifest: sdk: the plugin needs SDK ^2.0.0 but this hub provides SDK ${SDK_VERSION}`,
      ),
    });
  });
});

describe(discoverPlugins.name, () => {
  it('takes a folder holding a manifest as that plugin, and warns about folders with none', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'aisle-plugins-'));
    try {
      const warnings: string[] = [];
      const found = await discoverPlugins({
        pluginDirs: [join(fixtures, 'check', 'ok', 'good-driver'), empty, join(empty, 'typo')],
        warn: (w) => warnings.push(w),
      });
      expect(found.map((p) => [p.manifest.domain, p.errors])).toEqual([['good-driver', []]]);
      expect(warnings).toEqual([
        `plugin folder ${empty} holds no aisle-plugin.json, neither itself nor in a subfolder: nothing loaded from it`,
        `plugin folder ${join(empty, 'typo')} does not exist`,
      ]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
