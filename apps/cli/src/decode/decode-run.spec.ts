import type { DriverObservation, FileDecoder } from '@aisle/sdk';
import { runDecode } from './decode-run.js';

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
    expect(JSON.parse(lines[0]!).mac).toBe(MAC);
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

  it('pseudonymises BLE addresses, beacon ids and camera track ids', async () => {
    const { lines } = await decode([
      { kind: 'ble', at: 1, rssi: -70, address: MAC, beaconId: 'ibeacon:x:1:2' },
      { kind: 'camera', at: 1, entries: 1, trackId: 'track-7' },
    ]);
    const [ble, camera] = lines.map((l) => JSON.parse(l));
    expect(ble).not.toHaveProperty('address');
    expect(ble).not.toHaveProperty('beaconId');
    expect(ble.device).toMatch(/^[0-9a-f]{32}$/);
    expect(ble.subject).toMatch(/^[0-9a-f]{32}$/);
    expect(camera.track).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(camera)).not.toContain('track-7');
  });
});
