import pino from 'pino';
import type { Sighting } from '@aisle/sdk';
import { BusMetrics, CommitBarrier, SightingHandoff, SightingPublisher } from './chain.js';
import { RawIdentifierOnBusError } from './sighting-message.js';

const sighting = (i: number): Sighting => ({
  kind: 'camera',
  storeId: 's1',
  sensorId: 'cam',
  at: 1_765_000_000_000 + i,
  period: 1_764_979_200_000,
  entries: i,
});

describe(CommitBarrier.name, () => {
  it('resolves what was handed over only after a commit that started later succeeds', async () => {
    const commits: string[] = [];
    let fail = true;
    const errors: Error[] = [];
    const sut = new CommitBarrier({
      commit: () => {
        commits.push(fail ? 'failed' : 'ok');
        if (fail) {
          fail = false;
          return Promise.reject(new Error('database down'));
        }
        return Promise.resolve();
      },
      intervalMs: 0,
      onError: (e) => errors.push(e),
    });
    let done = false;
    const waited = sut.after().then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    await waited;
    expect(done).toBe(true);
    expect(commits).toEqual(['failed', 'ok']);
    expect(errors.map((e) => e.message)).toEqual(['database down']);
    await sut.stop();
  });
});

describe(SightingHandoff.name, () => {
  it('hands sightings to the stages in order, each answered by its commit', async () => {
    const sut = new SightingHandoff(
      new CommitBarrier({
        commit: () => Promise.resolve(),
        intervalMs: 0,
        onError: () => undefined,
      }),
    );
    const seen: number[] = [];
    sut.sightings.subscribe((s) => seen.push(s.at));
    await Promise.all([sut.accept([sighting(1)]), sut.accept([sighting(2)])]);
    expect(seen).toEqual([sighting(1).at, sighting(2).at]);
  });
});

describe(SightingPublisher.name, () => {
  it('batches a store’s sightings, retries a failed publish, and refuses only the bad sighting of a batch', async () => {
    const metrics = new BusMetrics();
    const published: number[] = [];
    let failures = 1;
    const sut = new SightingPublisher({
      client: {
        publishSightings: (batch: readonly Sighting[]) => {
          if (batch.some((s) => s.at === sighting(3).at)) {
            return Promise.reject(new RawIdentifierOnBusError('sightings[2].subject', 'is raw'));
          }
          if (failures-- > 0) return Promise.reject(new Error('no responders'));
          published.push(...batch.map((s) => s.at));
          return Promise.resolve({ stream: 'x', seq: published.length, duplicate: false });
        },
      },
      metrics,
      logger: pino({ level: 'silent' }),
    });
    for (const i of [1, 2, 3, 4]) sut.publish(sighting(i));
    await sut.stop();
    expect(published).toEqual([1, 2, 4].map((i) => sighting(i).at));
    expect(await metrics.snapshot()).toEqual({ 'out/published': 3, 'out/refused': 1 });
  });
});
