import type { Observation, Sighting } from '@aisle/sdk';
import { trackingPolicy } from '../support/policies.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { DataSource } from 'typeorm';
import { IngestPipeline, observe, SIGHTINGS, type HandOff, StoreDirectory } from '@aisle/core';
import { SightingWriter } from '@aisle/persistence';

/**
 * The tracking modes × sensor kinds matrix, through a whole hub: what passes the gate, what is
 * stored, and that nothing per device is stored where the mode forbids it.
 */
describe('tracking modes × sensor kinds', () => {
  const MODES = ['off', 'count-only', 'in-visit', 'consented'] as const;
  const KINDS = ['wifi', 'ble', 'camera'] as const;
  let sut: TestHub;
  const seen: Sighting[] = [];

  const observation = (storeId: string, kind: (typeof KINDS)[number], i: number): Observation => {
    const base = { storeId, sensorId: `s-${kind}`, at: Date.now() };
    const mac = `02:00:00:00:00:${(16 + i).toString(16)}`;
    switch (kind) {
      case 'wifi':
        return { ...base, kind, mac, rssi: -60 };
      case 'ble':
        return { ...base, kind, address: mac, addressType: 'random', rssi: -70 };
      case 'camera':
        return {
          ...base,
          kind,
          lineId: 'door',
          entries: 2,
          exits: 1,
          intervalStart: base.at - 60_000,
          trackId: `t-${i}`,
        };
    }
  };

  const rows = async (storeId: string, kind: string) => {
    await sut.hub.get(SightingWriter).flush();
    const result = await sut.hub.get(DataSource).query<{ n: number; subjects: number }[]>(
      `SELECT count(*)::int AS n, count(subject)::int AS subjects FROM sightings
       WHERE store_id = $1 AND kind = $2`,
      [storeId, kind],
    );
    return result[0]!;
  };

  beforeAll(async () => {
    sut = await startTestHub();
    observe(sut.hub.get<HandOff<Sighting>>(SIGHTINGS)).subscribe((s) => seen.push(s));
    for (const mode of MODES) {
      await sut
        .post('/api/stores', {
          id: `m-${mode}`,
          name: mode,
          timezone: 'UTC',
          width: 10,
          height: 10,
          policy: mode === 'off' ? { mode } : trackingPolicy(mode),
        })
        .expect(201);
    }
    await sut
      .post('/api/stores', {
        id: 'm-camera-only',
        name: 'camera only',
        timezone: 'UTC',
        width: 10,
        height: 10,
        policy: trackingPolicy('in-visit', { allowedKinds: ['camera'] }),
      })
      .expect(201);
    await sut.hub.get(StoreDirectory).reload();
    let i = 0;
    for (const storeId of [...MODES.map((m) => `m-${m}`), 'm-camera-only']) {
      for (const kind of KINDS) {
        for (let n = 0; n < 3; n += 1) {
          sut.hub.get(IngestPipeline).ingest(observation(storeId, kind, (i += 1)));
        }
      }
    }
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
  });

  const expected: Record<
    (typeof MODES)[number],
    Record<(typeof KINDS)[number], { passes: boolean; stored: number; withSubject: number }>
  > = {
    off: {
      wifi: { passes: false, stored: 0, withSubject: 0 },
      ble: { passes: false, stored: 0, withSubject: 0 },
      camera: { passes: false, stored: 0, withSubject: 0 },
    },
    'count-only': {
      wifi: { passes: true, stored: 0, withSubject: 0 },
      ble: { passes: true, stored: 0, withSubject: 0 },
      camera: { passes: true, stored: 3, withSubject: 0 },
    },
    'in-visit': {
      wifi: { passes: true, stored: 3, withSubject: 3 },
      ble: { passes: true, stored: 3, withSubject: 3 },
      camera: { passes: true, stored: 3, withSubject: 3 },
    },
    consented: {
      wifi: { passes: true, stored: 0, withSubject: 0 },
      ble: { passes: true, stored: 0, withSubject: 0 },
      camera: { passes: true, stored: 3, withSubject: 0 },
    },
  };

  for (const mode of MODES) {
    for (const kind of KINDS) {
      const want = expected[mode][kind];
      it(`${mode} × ${kind}: ${want.passes ? 'passes' : 'dropped'}, ${want.stored} stored, ${want.withSubject} with a pseudonym`, async () => {
        const passed = seen.filter((s) => s.storeId === `m-${mode}` && s.kind === kind);
        expect(passed).toHaveLength(want.passes ? 3 : 0);
        expect(await rows(`m-${mode}`, kind)).toEqual({
          n: want.stored,
          subjects: want.withSubject,
        });
      });
    }
  }

  it('a kind the store does not allow is dropped whatever the mode', async () => {
    expect(seen.filter((s) => s.storeId === 'm-camera-only').map((s) => s.kind)).toEqual([
      'camera',
      'camera',
      'camera',
    ]);
    expect(await rows('m-camera-only', 'wifi')).toEqual({ n: 0, subjects: 0 });
  });
});
