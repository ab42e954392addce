// The association on real captures of single phones under MAC randomisation (Baccichet et al.,
// Politecnico di Milano, ProbingPatternsDataset, GPL-3.0; ../shared/data/probe-requests-one-phone):
// one phone must stay about one device per interval however many addresses it shows.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pseudonym } from '@aisle/ingest';
import {
  countOccupancy,
  DEFAULT_ASSOCIATION_OPTIONS,
  DEFAULT_PHONE_BURSTS_PER_5_MIN,
  deriveAssociationOptions,
  derivePhoneBursts,
  type ProbeSample,
} from '@aisle/occupancy';
import { decodeFrame } from '@aisle/plugin-wifi-sniffer';

const DIR = join(process.cwd(), '..', 'shared', 'data', 'probe-requests-one-phone');

/** Classic little-endian µs pcap, radiotap frames: enough for these small files. */
function read(file: string): ProbeSample[] {
  const buf = readFileSync(join(DIR, file));
  expect(buf.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const linkType = buf.readUInt32LE(20);
  const out: ProbeSample[] = [];
  for (let at = 24; at + 16 <= buf.length;) {
    const caplen = buf.readUInt32LE(at + 8);
    const r = decodeFrame(linkType, new Uint8Array(buf.subarray(at + 16, at + 16 + caplen)));
    if (r.kind === 'probe' && r.probe.rssi !== undefined) {
      out.push({
        at: buf.readUInt32LE(at) * 1000 + buf.readUInt32LE(at + 4) / 1000,
        mac: r.probe.source,
        // The data set's anonymisation did not keep the locally administered bit.
        randomized: true,
        rssi: r.probe.rssi,
        seq: r.probe.seq,
        sensor: `ch${r.probe.channel ?? 0}`,
        ...(r.probe.fingerprint !== undefined ? { fingerprint: r.probe.fingerprint } : {}),
      });
    }
    at += 16 + caplen;
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The three single-phone captures. */
const CAPTURES = [
  'OppoFindX3Neo-A_anonymized.pcap',
  'iPhone11-M_anonymized.pcap',
  'iPhone12Pro-C_anonymized.pcap',
];

describe('association on single-phone captures', () => {
  it('ships the window and signal tolerance these captures give by the derivation rules', () => {
    const phones = CAPTURES.map(read);
    const sut = deriveAssociationOptions(phones);
    expect(sut).toMatchObject({
      windowMs: DEFAULT_ASSOCIATION_OPTIONS.windowMs,
      rssiTolerance: DEFAULT_ASSOCIATION_OPTIONS.rssiTolerance,
    });
    expect(sut.rises).toBeGreaterThan(100);
  });

  it('ships the bound on one phone’s bursts per 5 minutes these captures give', () => {
    const phones = CAPTURES.map(read);
    const sut = derivePhoneBursts(phones);
    expect(sut.phoneBurstsPer5Min).toBe(DEFAULT_PHONE_BURSTS_PER_5_MIN);
    expect(sut.intervals).toBe(20);
    // Left out in turn, any two phones give the same bound (what leave-one-phone-out judges with).
    for (let held = 0; held < phones.length; held += 1) {
      const others = phones.filter((_, i) => i !== held);
      expect(derivePhoneBursts(others).phoneBurstsPer5Min).toBe(DEFAULT_PHONE_BURSTS_PER_5_MIN);
    }
  });

  it.each([
    ['iPhone11-M_anonymized.pcap', 236],
    ['OppoFindX3Neo-A_anonymized.pcap', 15],
  ])('counts %s (%i addresses) as about one device per interval', (file, addresses) => {
    const samples = read(file);
    expect(new Set(samples.map((s) => s.mac)).size).toBe(addresses);
    const heard = countOccupancy(samples).filter((c) => c.addresses > 0);
    const naive = heard.reduce((s, c) => s + c.addresses, 0) / heard.length;
    const mae = heard.reduce((s, c) => s + Math.abs(c.estimate - 1), 0) / heard.length;
    const covered = heard.filter((c) => c.low <= 1 && c.high >= 1).length / heard.length;
    expect(naive).toBeGreaterThan(5);
    expect(mae).toBeLessThanOrEqual(0.5);
    expect(covered).toBeGreaterThanOrEqual(0.5);
  });

  it('keeps two phones of different models apart when merged into one room', () => {
    // Their second 5-min interval (in the first, each phone also sends a few frames of another
    // element layout, which count apart: the documented limit of the fingerprint).
    const iphone = read('iPhone11-M_anonymized.pcap');
    const oppo = read('OppoFindX3Neo-A_anonymized.pcap');
    const start = Math.ceil(iphone[0]!.at / 300_000) * 300_000;
    const shift = (xs: ProbeSample[]) => xs.map((s) => ({ ...s, at: s.at - xs[0]!.at + start }));
    const room = [...shift(iphone), ...shift(oppo)].sort((a, b) => a.at - b.at);
    const second = countOccupancy(room).filter((c) => c.start === start + 300_000)[0]!;
    expect(second.estimate).toBe(2);
    expect(second.addresses).toBeGreaterThan(10);
  });

  it("counts a room the same from the gate's keyed pseudonyms as from the raw addresses", () => {
    const iphone = read('iPhone11-M_anonymized.pcap');
    const oppo = read('OppoFindX3Neo-A_anonymized.pcap');
    const shift = (xs: ProbeSample[]) => xs.map((s) => ({ ...s, at: s.at - xs[0]!.at + 1e12 }));
    const room = [...shift(iphone), ...shift(oppo)].sort((a, b) => a.at - b.at);
    const key = randomBytes(32);
    const gated = room.map((s) => ({
      ...s,
      mac: pseudonym(key, 'wifi', s.mac),
      ...(s.fingerprint !== undefined ? { fingerprint: pseudonym(key, 'fp', s.fingerprint) } : {}),
    }));
    expect(new Set(gated.map((s) => s.mac)).size).toBe(236 + 15);
    expect(countOccupancy(gated)).toEqual(countOccupancy(room));
  });
});
