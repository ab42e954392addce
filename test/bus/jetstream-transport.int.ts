import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import type { RadioSighting } from '@aisle/sdk';
import { BusTopology, OBS_PATTERN } from '../../apps/core/src/bus/bus-topology.js';
import { JetStreamClientProxy } from '../../apps/core/src/bus/jetstream.client.js';
import { JetStreamContext, JetStreamServer } from '../../apps/core/src/bus/jetstream.server.js';
import {
  BusMessageError,
  RawIdentifierOnBusError,
  type SightingMessage,
} from '../../apps/core/src/bus/sighting-message.js';
import type { ConsumerCounters, Delivery } from '../../apps/core/src/bus/store-consumer.js';
import { PgStoreOwnership, winner } from '../../apps/core/src/bus/store-ownership.js';
import {
  busServices,
  deleteBusStreams,
  uniqueBusPrefix,
  waitUntil,
} from '../support/bus-services.js';
import { TEST_MACS, expectNoRawMac } from '../support/raw-mac.js';

const services = await busServices();
const describeBus = typeof services === 'string' ? describe.skip : describe;
if (typeof services === 'string') {
  console.warn(`bus transport tests skipped: ${services} (they never skip with CI=true)`);
}

type Behaviour = (message: SightingMessage, delivery: Delivery, worker: string) => Promise<void>;
let behaviour: Behaviour = () => Promise.resolve();

@Controller()
class RecordingController {
  static worker = '';
  @EventPattern<string>(OBS_PATTERN)
  handle(@Payload() message: SightingMessage, @Ctx() ctx: JetStreamContext): Promise<void> {
    return behaviour(
      message,
      ctx.delivery,
      (this.constructor as typeof RecordingController).worker,
    );
  }
}

function counters(): ConsumerCounters & { log: Record<string, number>; errors: BusMessageError[] } {
  const log: Record<string, number> = {
    delivered: 0,
    redelivered: 0,
    acked: 0,
    naked: 0,
    terminated: 0,
  };
  const errors: BusMessageError[] = [];
  return {
    log,
    errors,
    delivered: () => void (log.delivered! += 1),
    redelivered: () => void (log.redelivered! += 1),
    acked: () => void (log.acked! += 1),
    naked: () => void (log.naked! += 1),
    terminated: (_store, error) => {
      log.terminated! += 1;
      errors.push(error);
    },
  };
}

function sighting(storeId: string, i: number): RadioSighting {
  return {
    kind: 'wifi',
    storeId,
    sensorId: 'sniffer-a',
    at: 1_765_000_000_000 + i,
    period: 1_764_979_200_000,
    subject: i.toString(16).padStart(32, '0'),
    rssi: -60,
    randomized: false,
  };
}

describeBus('JetStream transport (real NATS and PostgreSQL)', () => {
  const { natsUrl, databaseUrl } = services as { natsUrl: string; databaseUrl: string };
  let topology: BusTopology;
  let client: JetStreamClientProxy;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const apps: INestMicroservice[] = [];

  async function startWorker(
    name: string,
    stores: string[],
    c = counters(),
    settleMs = 15_000,
  ): Promise<{ app: INestMicroservice; server: JetStreamServer; counters: typeof c }> {
    const server = new JetStreamServer({
      servers: natsUrl,
      topology,
      counters: c,
      nakDelayMs: 50,
      settleMs,
      ownership: (listener) =>
        new PgStoreOwnership({
          url: databaseUrl,
          group: topology.prefix,
          workerId: name,
          stores: () => stores,
          listener,
          intervalMs: 100,
        }),
    });
    // A subclass per worker, so each app's handler knows which worker it runs in.
    const Worker = class extends RecordingController {};
    Worker.worker = name;
    Controller()(Worker);
    const module = await Test.createTestingModule({ controllers: [Worker] }).compile();
    const app = module.createNestMicroservice({ strategy: server, logger: false });
    await app.listen();
    apps.push(app);
    return { app, server, counters: c };
  }

  async function streamMessages(): Promise<number> {
    return (await jsm.streams.info(topology.obsStream)).state.messages;
  }

  beforeEach(async () => {
    topology = new BusTopology(uniqueBusPrefix('jst'));
    client = new JetStreamClientProxy({ servers: natsUrl, topology });
    await client.connect();
    nc = await connect({ servers: natsUrl });
    jsm = await jetstreamManager(nc);
    behaviour = () => Promise.resolve();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await client.close();
    await nc.close();
    await deleteBusStreams(natsUrl, topology.obsStream);
  });

  it('delivers a store’s messages in stream order and acknowledges each only when its promise resolves', async () => {
    const received: number[] = [];
    const release: (() => void)[] = [];
    behaviour = (message, delivery) => {
      received.push(delivery.seq);
      expect(message.sightings[0]?.storeId).toBe('s1');
      return new Promise<void>((resolve) => release.push(resolve));
    };
    const worker = await startWorker('w1', ['s1']);
    for (let i = 0; i < 50; i += 1) {
      await lastValueFrom(client.emit(OBS_PATTERN, sighting('s1', i)));
    }
    await waitUntil('all 50 delivered', () => received.length === 50);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(await streamMessages()).toBe(50); // nothing acknowledged while effects are pending
    for (const done of release.splice(0, 20)) done();
    await waitUntil('20 acknowledged', async () => (await streamMessages()) === 30);
    for (const done of release.splice(0)) done();
    await waitUntil('stream empty', async () => (await streamMessages()) === 0);
    expect(worker.counters.log).toMatchObject({ delivered: 50, acked: 50, naked: 0 });
  });

  it('sends a message whose handler failed back with a delay, and delivers it again', async () => {
    const attempts = new Map<number, number>();
    behaviour = (_message, delivery) => {
      const n = (attempts.get(delivery.seq) ?? 0) + 1;
      attempts.set(delivery.seq, n);
      if (delivery.seq === 2 && n === 1) return Promise.reject(new Error('database down'));
      return Promise.resolve();
    };
    const worker = await startWorker('w1', ['s1']);
    for (let i = 0; i < 3; i += 1) await lastValueFrom(client.emit(OBS_PATTERN, sighting('s1', i)));
    await waitUntil('stream empty', async () => (await streamMessages()) === 0);
    expect(attempts.get(2)).toBe(2);
    expect(worker.counters.log).toMatchObject({ naked: 1, acked: 3, redelivered: 1 });
  });

  it('terminates and counts a malformed message, naming the field, and keeps consuming', async () => {
    const seen: string[] = [];
    behaviour = (message) => {
      seen.push(message.sightings[0]?.subject ?? '');
      return Promise.resolve();
    };
    const worker = await startWorker('w1', ['s1']);
    const js = jetstream(nc);
    await js.publish(topology.obsSubject('s1'), Buffer.from('{not json'));
    await js.publish(
      topology.obsSubject('s1'),
      Buffer.from(JSON.stringify({ v: 1, sightings: [{ ...sighting('s1', 1), rssi: 'loud' }] })),
    );
    await js.publish(
      topology.obsSubject('s1'),
      Buffer.from(JSON.stringify({ v: 1, sightings: [sighting('s2', 1)] })),
    );
    await lastValueFrom(client.emit(OBS_PATTERN, sighting('s1', 7)));
    await waitUntil('the good message handled', () => seen.length === 1);
    await waitUntil('stream empty', async () => (await streamMessages()) === 0);
    expect(seen).toEqual([sighting('s1', 7).subject]);
    expect(worker.counters.log.terminated).toBe(3);
    expect(worker.counters.errors.map((e) => e.field)).toEqual([
      'message',
      'sightings[0].rssi',
      'sightings[0].storeId',
    ]);
  });

  it('refuses to publish a raw device address: nothing reaches the stream', async () => {
    for (const mac of TEST_MACS) {
      await expect(
        lastValueFrom(client.emit(OBS_PATTERN, { ...sighting('s1', 1), subject: mac })),
      ).rejects.toBeInstanceOf(RawIdentifierOnBusError);
    }
    expect(await streamMessages()).toBe(0);
  });

  it('gives each store to exactly one worker, and moves a released store’s unacknowledged messages to the other', async () => {
    const stores = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const byWorker = new Map<string, Set<string>>();
    const handled: string[] = [];
    const raw: Buffer[] = [];
    const tap = nc.subscribe(`${topology.prefix}.obs.>`, {
      callback: (_err, msg) => {
        raw.push(Buffer.from(msg.data));
      },
    });
    behaviour = (message, _delivery, worker) => {
      const set = byWorker.get(worker) ?? new Set<string>();
      set.add(message.sightings[0]!.storeId);
      byWorker.set(worker, set);
      // w1 never commits: its messages are still unacknowledged when it leaves.
      if (worker === 'w1') return new Promise<void>(() => undefined);
      for (const s of message.sightings) handled.push(`${s.storeId}/${s.at}`);
      return Promise.resolve();
    };
    const w1 = await startWorker('w1', stores, counters(), 100);
    const w2 = await startWorker('w2', stores);
    const wins1 = stores.filter((s) => winner(['w1', 'w2'], s) === 'w1');
    const wins2 = stores.filter((s) => winner(['w1', 'w2'], s) === 'w2');
    expect(wins1.length).toBeGreaterThan(0);
    expect(wins2.length).toBeGreaterThan(0);
    await waitUntil(
      'each store owned by its winner only',
      () =>
        JSON.stringify(w1.server.ownedStores()) === JSON.stringify(wins1) &&
        JSON.stringify(w2.server.ownedStores()) === JSON.stringify(wins2),
    );
    const owned1 = wins1;

    for (const store of stores) {
      for (let i = 0; i < 5; i += 1) {
        await lastValueFrom(client.emit(OBS_PATTERN, sighting(store, i)));
      }
    }
    await waitUntil(
      'w1 holds its stores’ messages',
      () => w1.counters.log.delivered === owned1.length * 5,
    );
    expect(await streamMessages()).toBe(owned1.length * 5);

    await w1.app.close();
    await waitUntil('w2 owns every store', () => w2.server.ownedStores().length === stores.length);
    await waitUntil('stream empty', async () => (await streamMessages()) === 0);
    const expected = stores.flatMap((s) => [0, 1, 2, 3, 4].map((i) => `${s}/${sighting(s, i).at}`));
    expect([...handled].sort()).toEqual([...expected].sort());
    expect(new Set(handled).size).toBe(handled.length); // w2 committed each exactly once
    expect(w2.counters.log.redelivered).toBe(owned1.length * 5);
    tap.unsubscribe();
    expect(raw.length).toBe(stores.length * 5);
    for (const bytes of raw) expectNoRawMac(bytes, 'a bus message');
  });
});
