import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedRssi } from '@aisle/localisation';
import type { Observation } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { DataSource } from 'typeorm';
import {
  AggregationService,
  ConfigFileApplier,
  ConfigFileError,
  IngestPipeline,
  IngestRuntime,
  loadConfigFile,
  LocalisationService,
  PolicyModuleHost,
  REPO_ROOT,
  StoreDirectory,
} from '@aisle/core';
import { SightingWriter } from '@aisle/persistence';
import { trackingPolicy } from '../support/policies.js';
import { expectNoRawMac } from '../support/raw-mac.js';
import { metricValue, startTestHub, type TestHub } from '../support/test-hub.js';

/** Selects staff-only-zones. */
const STAFFED = 'pm-staffed';
/** Same floor, selects nothing. */
const PLAIN = 'pm-plain';
/** Selects the hostile fixture module. */
const HOSTILE = 'pm-hostile';

const rect = (minX: number, minY: number, maxX: number, maxY: number) => [
  { x: minX, y: minY },
  { x: maxX, y: minY },
  { x: maxX, y: maxY },
  { x: minX, y: maxY },
];
const RADIOS = [
  { id: 'r1', x: 1, y: 1 },
  { id: 'r2', x: 19, y: 1 },
  { id: 'r3', x: 19, y: 11 },
  { id: 'r4', x: 1, y: 11 },
  { id: 'r5', x: 10, y: 6 },
];
const SHOPPER = '3c:22:fb:12:34:56';
const CLERK = '3c:22:fb:65:43:21';
const wobble = (i: number): number => 2 * Math.sin(i * 12.9898) * Math.cos(i * 78.233);

function probes(storeId: string, mac: string, x: number, y: number, at: number): Observation[] {
  return RADIOS.map((r, i) => ({
    storeId,
    sensorId: r.id,
    kind: 'wifi',
    mac,
    at,
    rssi: Math.round(
      expectedRssi({
        calibration: { measuredPower: -45, pathLossExponent: 2.5, receiverOffset: 0 },
        distance: Math.hypot(x - r.x, y - r.y, 1.3),
      }) + wobble(i + at / 1000),
    ),
  }));
}

const STAFF_MODULE = {
  domain: 'staff-only-zones',
  config: {
    openingHours: [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' },
    ],
  },
};

describe('policy modules as plugins, through the hub', () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 2, 10, 0, 0));
  let sut: TestHub;

  beforeAll(async () => {
    sut = await startTestHub({
      clock,
      pluginDirs: [
        join(REPO_ROOT, 'plugins'),
        join(REPO_ROOT, 'test', 'fixtures', 'policy-plugins'),
      ],
    });
    const modulesOf: Record<string, object[]> = {
      [STAFFED]: [STAFF_MODULE],
      [PLAIN]: [],
      [HOSTILE]: [{ domain: 'hostile-policy', config: { mischief: 'all' } }],
    };
    for (const id of [STAFFED, PLAIN, HOSTILE]) {
      await sut
        .post('/api/stores', {
          id,
          name: id,
          timezone: 'Europe/Paris',
          width: 20,
          height: 12,
          policy: trackingPolicy('in-visit', { modules: modulesOf[id] }),
        })
        .expect(201);
      for (const r of RADIOS) {
        await sut
          .post(`/api/stores/${id}/sensors`, {
            id: r.id,
            domain: 'aisle-mqtt',
            x: r.x,
            y: r.y,
            z: 2.5,
            calibration: { measuredPower: -45, pathLossExponent: 2.5 },
          })
          .expect(201);
      }
      await sut
        .post(`/api/stores/${id}/zones`, {
          id: 'floor',
          name: 'Floor',
          polygon: rect(0, 0, 12, 12),
        })
        .expect(201);
      await sut
        .post(`/api/stores/${id}/zones`, {
          id: 'stock',
          name: 'Stock room',
          polygon: rect(12, 0, 20, 12),
          tags: ['staff-only'],
        })
        .expect(201);
    }
    await sut.hub.get(StoreDirectory).reload();
    await sut.hub.get(LocalisationService).reload();
    await sut.hub.get(AggregationService).reload();
    for (let s = 0; s < 20; s += 1) {
      const at = clock.now();
      for (const storeId of [STAFFED, PLAIN, HOSTILE]) {
        for (const o of [
          ...probes(storeId, SHOPPER, 5, 6, at),
          ...probes(storeId, CLERK, 16, 6, at),
        ]) {
          sut.hub.get(IngestPipeline).ingest(o);
        }
      }
      clock.advance(1_000);
    }
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
  });

  const zonesOf = async (storeId: string) => {
    const res = await sut.get(`/api/stores/${storeId}/positions`).expect(200);
    expectNoRawMac(res.text, `positions of ${storeId}`);
    return (res.body.positions as { zoneId: string | null }[]).map((p) => p.zoneId).sort();
  };

  it('a store selecting staff-only-zones shows nobody in its staff-only zone; a store that does not is unaffected', async () => {
    expect(
      sut.hub
        .get(PolicyModuleHost)
        .running(STAFFED)
        .modules.map((m) => m.domain),
    ).toEqual([
      'aisle-opt-out',
      'aisle-fixed-devices',
      'aisle-tracking-hours',
      'aisle-notice',
      'aisle-coupons',
      'staff-only-zones',
    ]);
    expect(await zonesOf(STAFFED)).toEqual(['floor']);
    expect(await zonesOf(PLAIN)).toEqual(['floor', 'stock']);
    const metrics = await sut.metrics();
    expect(
      metricValue(metrics, 'aisle_policy_module_restrictions_total', {
        domain: 'staff-only-zones',
        hook: 'position',
      }),
    ).toBeGreaterThan(0);
  });

  it('lists the built-in modules (always on) and the selectable policy plugins', async () => {
    const res = await sut.get('/api/plugins/policy-modules').expect(200);
    expect(res.body.builtIn.map((b: { domain: string }) => b.domain)).toContain('aisle-opt-out');
    expect(res.body.selectable.map((p: { domain: string }) => p.domain).sort()).toEqual([
      'hostile-policy',
      'staff-only-zones',
    ]);
  });

  it('validates a selected module config on write, naming the field; built-ins cannot be de-selected or selected', async () => {
    const bad = await sut
      .patch(`/api/stores/${PLAIN}`, {
        policy: trackingPolicy('in-visit', {
          modules: [
            {
              domain: 'staff-only-zones',
              config: { openingHours: [{ days: ['mon'], from: '20:00', to: '08:00' }] },
            },
            { domain: 'aisle-opt-out' },
            { domain: 'no-such-module' },
          ],
        }),
      })
      .expect(400);
    expect(bad.text).toContain('policy.modules[0].config.openingHours[0].to');
    expect(bad.text).toContain('policy.modules[1].domain');
    expect(bad.text).toContain('policy.modules[2].domain');
    // A store without modules still runs every built-in.
    expect(
      sut.hub
        .get(PolicyModuleHost)
        .running(PLAIN)
        .modules.map((m) => m.domain),
    ).toContain('aisle-opt-out');
  });

  it('validates modules in the YAML config file too, and applies a valid selection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aisle-policy-modules-'));
    const yaml = (to: string) => `version: 1
stores:
  - id: pm-yaml
    name: From YAML
    timezone: Europe/Paris
    width: 20
    height: 12
    policy:
      modules:
        - domain: staff-only-zones
          config:
            openingHours:
              - { days: [mon, tue], from: '09:00', to: '${to}' }
    zones: []
    sensors: []
`;
    await writeFile(join(dir, 'bad.yaml'), yaml('08:00'));
    await writeFile(join(dir, 'good.yaml'), yaml('20:00'));
    const applier = sut.hub.get(ConfigFileApplier);
    const error = await applier.apply(await loadConfigFile(join(dir, 'bad.yaml'))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as ConfigFileError).errors.map((e) => e.field)).toEqual([
      'stores[0].policy.modules[0].config.openingHours[0].to',
    ]);
    await applier.apply(await loadConfigFile(join(dir, 'good.yaml')));
    await sut.hub.get(StoreDirectory).reload();
    await sut.hub.get(IngestRuntime).apply();
    expect(
      sut.hub
        .get(PolicyModuleHost)
        .running('pm-yaml')
        .modules.map((m) => m.domain),
    ).toContain('staff-only-zones');
  });

  it('a hostile module breaks nothing: no raw MAC anywhere, its store restricted, the others flowing, errors counted', async () => {
    expect(await zonesOf(HOSTILE)).toEqual([]);
    await sut.hub.get(SightingWriter).flush();
    const rows = await sut.hub
      .get(DataSource)
      .query<{ store_id: string; subject: string }[]>(
        'SELECT store_id, subject FROM sightings WHERE store_id IN ($1, $2)',
        [HOSTILE, PLAIN],
      );
    expectNoRawMac(JSON.stringify(rows), 'stored sightings');
    expect(rows.filter((r) => r.store_id === PLAIN)).toHaveLength(200);
    // A quarter of the hostile store's observations got an (extra-field) accept: stored as pseudonyms.
    const hostileRows = rows.filter((r) => r.store_id === HOSTILE);
    expect(hostileRows.length).toBeGreaterThan(0);
    expect(hostileRows.length).toBeLessThan(200);
    for (const r of hostileRows) expect(r.subject).toMatch(/^[0-9a-f]+$/);
    const metrics = await sut.metrics();
    for (const kind of ['invalid_verdict', 'threw']) {
      expect(
        metricValue(metrics, 'aisle_policy_module_errors_total', {
          domain: 'hostile-policy',
          hook: 'gate',
          kind,
        }),
      ).toBeGreaterThan(0);
    }
    expect(
      metricValue(metrics, 'aisle_policy_module_errors_total', {
        domain: 'hostile-policy',
        hook: 'position',
        kind: 'invalid_verdict',
      }),
    ).toBeGreaterThan(0);
    for (const event of sut.events) expectNoRawMac(JSON.stringify(event), `event ${event.type}`);
    expectNoRawMac(sut.logs.join('\n'), 'hub logs');
  });
});
