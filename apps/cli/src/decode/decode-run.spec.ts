import type { DriverObservation, FileDecoder } from '@aisle/sdk';
import { DecodeFailedError, progressLines, runDecode } from './decode-run.js';

const MAC = 'da:a1:19:00:00:01';

function fakeDecoder(items: (DriverObservation | { bad: string })[]): FileDecoder {
  return {
    description: 'test',
    async *decode(_file, ctx) {
      let i = 0;
      for (const item of items) {
        i += 1;
        ctx.progress(i, items.length);
        if ('bad' in item) ctx.reject('bad_record', `record ${i}: ${item.bad}`);
        else yield item;
      }
    },
  };
}

async function decode(items: (DriverObservation | { bad: string })[], raw = false) {
  const lines: string[] = [];
  const warnings: string[] = [];
  const summary = await runDecode({
    format: 'test',
    file: 'x',
    decoder: fakeDecoder(items),
    ports: {},
    raw,
    writeLine: (line) => void lines.push(line),
    warn: (text) => void warnings.push(text),
    progress: () => undefined,
    signal: new AbortController().signal,
  });
  return { lines, warnings, summary };
}

describe(runDecode.name, () => {
  const wifi: DriverObservation = { kind: 'wifi', at: 1, mac: MAC, rssi: -60, fingerprint: 'ab' };

  it('pseudonymises identifiers by default, the same device to the same pseudonym', async () => {
    const { lines, summary } = await decode([wifi, { ...wifi, at: 2 }]);
    const text = lines.join('\n');
    expect(text).not.toMatch(/da:?a1:?19/i);
    const [a, b] = lines.slice(0, 2).map((l) => JSON.parse(l));
    expect(a.subject).toMatch(/^[0-9a-f]{32}$/);
    expect(a.subject).toBe(b.subject);
    expect(a.randomized).toBe(true);
    expect(summary).toMatchObject({ observations: 2, byKind: { wifi: 2 }, rejected: 0 });
    expect(JSON.parse(lines[2]!)).toEqual({ summary });
  });

  it('prints raw identifiers only when asked', async () => {
    const { lines } = await decode([wifi], true);
    expect(JSON.parse(lines[0]!)).toMatchObject({ subject: MAC, subjectKind: 'wifi' });
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('mac');
  });

  it('counts bad records, reports them without raw MACs, and keeps the good ones', async () => {
    const { lines, warnings, summary } = await decode([
      wifi,
      { bad: `garbage from ${MAC}` },
      { ...wifi, at: 3 },
    ]);
    expect(summary).toMatchObject({ observations: 2, rejected: 1, rejections: { bad_record: 1 } });
    expect(lines).toHaveLength(3);
    expect(warnings.join('\n')).not.toContain(MAC);
  });

  it('one schema for every kind: the same leading keys, subject and subjectKind, no device/track/mac keys', async () => {
    const { lines } = await decode([
      wifi,
      { kind: 'ble', at: 1, rssi: -70, address: MAC, beaconId: 'ibeacon:x:1:2' },
      { kind: 'ble', at: 1, rssi: -70, address: MAC, sensorId: 'room' },
      { kind: 'camera', at: 1, entries: 1, trackId: 'track-7' },
      { kind: 'camera', at: 1, entries: 2 },
    ]);
    const records = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const record of records) {
      expect(Object.keys(record).slice(0, 6)).toEqual([
        'kind',
        'at',
        'sensorId',
        'subject',
        'subjectKind',
        'randomized',
      ]);
      for (const key of ['mac', 'address', 'beaconId', 'trackId', 'device', 'track']) {
        expect(record).not.toHaveProperty(key);
      }
    }
    const [w, beacon, ble, tracked, counted] = records;
    expect(w).toMatchObject({ subjectKind: 'wifi', randomized: true, sensorId: null });
    expect(beacon).toMatchObject({ subjectKind: 'beacon', randomized: null });
    expect(ble).toMatchObject({ subjectKind: 'ble', randomized: true, sensorId: 'room' });
    expect(tracked).toMatchObject({ subjectKind: 'track', randomized: null, entries: 1 });
    expect(counted).toMatchObject({ subject: null, subjectKind: null, entries: 2 });
    for (const r of [w, beacon, ble, tracked]) expect(r!['subject']).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(records)).not.toContain('track-7');
  });

  it('gives a record without a recorded time "at": null, counts and explains it', async () => {
    const { lines, warnings, summary } = await decode([{ ...wifi, at: 0 }]);
    expect(JSON.parse(lines[0]!).at).toBeNull();
    expect(summary.withoutTime).toBe(1);
    expect(warnings.join('\n')).toMatch(/1 observations have "at": null/);
  });

  it('prints no summary line when the decoder fails, and throws what came before', async () => {
    const lines: string[] = [];
    const failing: FileDecoder = {
      description: 'fails',
      async *decode() {
        yield wifi;
        throw new Error('ENOENT: no such file');
      },
    };
    const error = await runDecode({
      format: 'test',
      file: 'x',
      decoder: failing,
      ports: {},
      raw: false,
      writeLine: (line) => void lines.push(line),
      warn: () => undefined,
      progress: () => undefined,
      signal: new AbortController().signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeFailedError);
    expect((error as DecodeFailedError).summary.observations).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines.join('\n')).not.toContain('summary');
  });

  it('fails when every record is rejected (the wrong format, most likely)', async () => {
    await expect(decode([{ bad: 'x' }, { bad: 'y' }])).rejects.toThrow(
      'no observation: all 2 records were rejected',
    );
  });

  it('progress lines: one per tenth of the input, then at the end', () => {
    const written: string[] = [];
    const sut = progressLines((line) => written.push(line));
    for (let done = 0; done <= 1000; done += 50) sut(done, 1000);
    expect(written).toEqual(
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((p) => `decode: ${p}% (${p * 10} of 1000)`),
    );
  });
});
