import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverObservation } from '@aisle/sdk';
import { frigateDecoder } from '../src/frigate.decoder.js';
import plugin from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function decode(file: string) {
  const observations: DriverObservation[] = [];
  const rejections: { reason: string; detail: string }[] = [];
  const progress: [number, number][] = [];
  for await (const o of frigateDecoder.decode(file, {
    ports: {},
    reject: (reason, detail) => void rejections.push({ reason, detail }),
    progress: (done, total) => void progress.push([done, total]),
    signal: new AbortController().signal,
  })) {
    observations.push(o);
  }
  return { observations, rejections, progress };
}

describe('frigateDecoder', () => {
  it('is offered by the plugin as the "frigate" format', () => {
    expect(plugin.decoders?.['frigate']).toBe(frigateDecoder);
  });

  it("decodes Frigate's documented event sample (one JSON document)", async () => {
    const { observations, rejections } = await decode(fixture('frigate_events_example.json'));
    expect(observations).toEqual([
      {
        kind: 'camera',
        sensorId: 'front_door',
        zoneId: 'yard',
        entries: 1,
        exits: 0,
        at: 1_607_123_962_083,
      },
    ]);
    expect(rejections).toEqual([]);
  });

  it('decodes a JSON-lines capture of MQTT messages, zones under their own names', async () => {
    const { observations, rejections, progress } = await decode(fixture('frigate-capture.jsonl'));
    expect(rejections).toEqual([]);
    const entries = observations.filter((o) => o.kind === 'camera' && o.entries === 1);
    const exits = observations.filter((o) => o.kind === 'camera' && o.exits === 1);
    const occupancy = observations.filter((o) => o.kind === 'camera' && o.occupancy !== undefined);
    expect(entries.map((o) => (o.kind === 'camera' ? o.zoneId : ''))).toEqual([
      'yard',
      'driveway',
      'yard',
    ]);
    expect(exits.map((o) => (o.kind === 'camera' ? o.zoneId : ''))).toEqual([
      'yard',
      'yard',
      'driveway',
    ]);
    expect(occupancy).toHaveLength(6);
    expect(progress.at(-1)).toEqual([15, 15]);
  });

  describe('with bad records', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'frigate-decode-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reports each bad line with its number and goes on', async () => {
      const file = join(dir, 'bad.jsonl');
      await writeFile(
        file,
        [
          '{"topic":"frigate/events","payload":{"type":"new"}}',
          'not json',
          '{"topic":"frigate/yard/person","payload":"2"}',
          '{"t":5,"topic":"frigate/yard/person","payload":"2","extra":1}',
          '{"t":5,"topic":"frigate/yard/person","payload":"2"}',
        ].join('\n'),
      );
      const { observations, rejections } = await decode(file);
      expect(rejections.map((r) => r.reason)).toEqual([
        'bad_event',
        'bad_json',
        'no_time',
        'bad_record',
      ]);
      expect(rejections.map((r) => r.detail.split(':')[0])).toEqual([
        'line 1',
        'line 2',
        'line 3',
        'line 4',
      ]);
      expect(observations).toEqual([{ kind: 'camera', zoneId: 'yard', occupancy: 2, at: 5 }]);
    });
  });
});
