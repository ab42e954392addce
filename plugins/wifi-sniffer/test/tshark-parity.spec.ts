import { execFileSync, spawnSync } from 'node:child_process';
import { decodeFrame } from '../src/index.js';
import { DAYS, pcapPath, readCapture } from './support/captures.js';

/** tshark (Debian package `tshark`) is the reference decoder; CI installs it (.ci/run). */
const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const REQUIRED = process.env['CI'] === 'true';

function tsharkProbes(path: string): Map<number, number | undefined> {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      path,
      '-Y',
      'wlan.fc.type_subtype==4',
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      'radiotap.dbm_antsignal',
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const probes = new Map<number, number | undefined>();
  for (const line of out.trim().split('\n')) {
    const [frame, signal] = line.split('\t');
    // With several antennas tshark lists every signal; the first is the combined one.
    const first = signal?.split(',')[0];
    probes.set(Number(frame), first ? Number(first) : undefined);
  }
  return probes;
}

describe('tshark parity', () => {
  if (!HAVE_TSHARK && !REQUIRED) {
    it.skip('needs tshark (apt-get install tshark); required when CI=true', () => undefined);
    return;
  }

  it('tshark is installed (required with CI=true)', () => {
    expect(HAVE_TSHARK).toBe(true);
  });

  it.each(DAYS)(
    'finds the same probe requests with the same RSSI per frame as tshark (%s)',
    (day) => {
      if (!HAVE_TSHARK) throw new Error('tshark is missing: apt-get install -y tshark');
      const expected = tsharkProbes(pcapPath(day));
      const ours = new Map<number, number | undefined>();
      readCapture(pcapPath(day)).forEach((frame, i) => {
        const result = decodeFrame(frame.linkType, frame.data);
        if (result.kind === 'probe') ours.set(i + 1, result.probe.rssi);
      });
      expect(expected.size).toBeGreaterThan(1000);
      expect(ours.size).toBe(expected.size);
      expect([...ours.entries()]).toEqual([...expected.entries()]);
    },
  );
});
