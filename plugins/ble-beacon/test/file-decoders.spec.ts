import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodeContext, DriverObservation, FileDecoder } from '@aisle/sdk';
import plugin from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const BLUE_CHARM = 'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949';

async function run(decoder: FileDecoder | undefined, file: string) {
  const rejections: { reason: string; detail: string }[] = [];
  const progress: number[] = [];
  const ctx: DecodeContext = {
    ports: {},
    reject: (reason, detail) => void rejections.push({ reason, detail }),
    progress: (done, total) => void progress.push(done / total),
    signal: new AbortController().signal,
  };
  const observations: DriverObservation[] = [];
  for await (const o of decoder!.decode(file, ctx)) observations.push(o);
  return { observations, rejections, progress };
}

describe('file decoders', () => {
  it('offers espresense and theengs to `aisle decode`', () => {
    expect(Object.keys(plugin.decoders ?? {}).sort()).toEqual(['espresense', 'theengs']);
  });

  it('espresense decodes the shared ESPresense samples; the room is the sensor', async () => {
    const { observations, rejections, progress } = await run(
      plugin.decoders?.['espresense'],
      fixture('espresense_device_messages.jsonl'),
    );
    expect(rejections).toEqual([]);
    expect(observations).toEqual([
      expect.objectContaining({ sensorId: 'office', beaconId: BLUE_CHARM, rssi: -81.1, at: 0 }),
      expect.objectContaining({ sensorId: 'room_1', address: 'eeede852bd0b', rssi: -37.1 }),
      // The legacy sample names no usable topic: no sensor, still decoded.
      expect.not.objectContaining({ sensorId: expect.anything() }),
    ]);
    expect(progress.at(-1)).toBe(1);
  });

  it('theengs decodes gateway messages (decoded and raw) and rejects bare decoder outputs clearly', async () => {
    const messages = await run(plugin.decoders?.['theengs'], fixture('theengs-messages.jsonl'));
    expect(messages.rejections).toEqual([]);
    expect(messages.observations.map((o) => [o.sensorId, o.at])).toEqual([
      ['TheengsGateway', 0],
      ['TheengsGateway', 1000],
      ['TheengsGateway', 2000],
      ['TheengsGateway', 3000],
      ['TheengsGateway', 4000],
    ]);
    const samples = await run(
      plugin.decoders?.['theengs'],
      fixture('theengs_decoder_ibeacon_expected.jsonl'),
    );
    // Theengs Decoder's expected outputs carry no rssi (the gateway adds it): counted, not fatal.
    expect(samples.observations).toEqual([]);
    expect(samples.rejections.map((r) => r.reason)).toEqual(['bad_rssi', 'bad_rssi']);
  });

  it('reports unreadable lines and goes on with the next', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ble-decode-'));
    try {
      const file = join(dir, 'mixed.jsonl');
      await writeFile(
        file,
        [
          'not json',
          '[1]',
          JSON.stringify({
            topic: 'espresense/devices/x/hall',
            payload: JSON.stringify({ mac: '5a0b1c2d3e4f', rssi: -60 }),
            time: '2026-01-01T09:00:00Z',
          }),
        ].join('\n'),
      );
      const { observations, rejections } = await run(plugin.decoders?.['espresense'], file);
      expect(rejections).toEqual([
        {
          reason: 'bad_record',
          detail: 'line 1: must be a JSON object (got 8 characters that are not JSON)',
        },
        { reason: 'bad_record', detail: 'line 2: must be a JSON object' },
      ]);
      expect(observations).toEqual([
        {
          kind: 'ble',
          sensorId: 'hall',
          address: '5a0b1c2d3e4f',
          addressType: 'random',
          rssi: -60,
          at: Date.UTC(2026, 0, 1, 9),
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
