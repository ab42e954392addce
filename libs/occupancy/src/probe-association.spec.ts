import fc from 'fast-check';
import { ProbeAssociator, type AssociationInput } from './probe-association.js';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const probe = (at: number, address: string, extra: Partial<AssociationInput> = {}) => ({
  at: T0 + at,
  address,
  rssi: -60,
  ...extra,
});

describe(ProbeAssociator.name, () => {
  it('keeps one device for one address within the window and forgets it beyond', () => {
    const sut = new ProbeAssociator({ windowMs: 60_000 });
    const a = sut.link(probe(0, 'x'));
    expect(sut.link(probe(50_000, 'x'))).toBe(a);
    expect(sut.lastLink).toBe('address');
    expect(sut.link(probe(200_000, 'x'))).not.toBe(a);
    expect(sut.lastLink).toBe('new');
  });

  it('follows an iOS-style burst that changes address on every frame, by fingerprint', () => {
    const sut = new ProbeAssociator();
    const ids = [0, 20, 40, 60].map((ms, i) => sut.link(probe(ms, `r${i}`, { fingerprint: 'f' })));
    expect(new Set(ids).size).toBe(1);
    expect(sut.lastLink).toBe('burst');
  });

  it('does not hand a running burst of a device that keeps its address to a new address', () => {
    const sut = new ProbeAssociator();
    for (const [ms, seq] of [
      [0, 1],
      [10, 2],
      [20, 3],
    ] as const) {
      sut.link(probe(ms, 'keeps', { fingerprint: 'f', seq }));
    }
    sut.link(probe(30, 'other', { fingerprint: 'f', seq: 3000 }));
    expect(sut.lastLink).toBe('new');
  });

  it('marks the bursts a device holds by guesses: opened or timing-linked, not a known address', () => {
    const sut = new ProbeAssociator();
    const kinds: [string, boolean][] = [];
    const link = (ms: number, address: string, seq: number) => {
      sut.link(probe(ms, address, { fingerprint: 'f', seq }));
      kinds.push([sut.lastLink, sut.lastFreshBurst]);
    };
    link(0, 'a', 100); // opens a device
    link(20, 'b', 900); // the same burst, new address
    link(30_000, 'c', 1800); // a fresh address after a silence: joined by timing only
    link(60_000, 'c', 2700); // the same address again: evidence
    link(90_000, 'd', 2710); // a continuing sequence counter: evidence
    expect(kinds).toEqual([
      ['new', true],
      ['burst', false],
      ['timing', true],
      ['address', false],
      ['sequence', false],
    ]);
  });

  it('links an address change by sequence continuity across missed frames (hopping sniffer)', () => {
    const sut = new ProbeAssociator({ seqGap: 64 });
    const a = sut.link(probe(0, 'old', { seq: 4090 }));
    expect(sut.link(probe(30_000, 'new', { seq: 20 }))).toBe(a); // wraps at 4096, 26 frames later
    expect(sut.lastLink).toBe('sequence');
    expect(sut.link(probe(31_000, 'third', { seq: 500 }))).not.toBe(a);
  });

  it('links a later burst of the same fingerprint only with a compatible signal on that sensor', () => {
    const sut = new ProbeAssociator({ rssiTolerance: 10 });
    const a = sut.link(probe(0, 'a', { fingerprint: 'f', rssi: -80, sensor: 's1' }));
    // 40 s later, 25 dB stronger at the same sensor: a device much nearer, not the same one.
    const b = sut.link(probe(40_000, 'b', { fingerprint: 'f', rssi: -55, sensor: 's1' }));
    expect(b).not.toBe(a);
    // Heard at another sensor only: nothing to compare, the timing links it.
    const c = sut.link(probe(80_000, 'c', { fingerprint: 'f', rssi: -55, sensor: 's2' }));
    expect([a, b]).toContain(c);
    expect(sut.lastLink).toBe('timing');
  });

  it('refuses a link after a silence when two devices of the fingerprint qualify', () => {
    const sut = new ProbeAssociator({ ambiguousTiming: 'refuse', rssiTolerance: 10 });
    // Two devices of one model held apart by signal on one sensor (the second 30 dB stronger).
    const far = sut.link(probe(0, 'far', { fingerprint: 'f', seq: 100, rssi: -70, sensor: 's' }));
    const near = sut.link(
      probe(30_000, 'near', { fingerprint: 'f', seq: 2000, rssi: -40, sensor: 's' }),
    );
    expect(near).not.toBe(far);
    // A fresh address heard by another sensor only: both qualify, no guess is made.
    const c = sut.link(probe(60_000, 'c', { fingerprint: 'f', seq: 3000, rssi: -50, sensor: 't' }));
    expect(sut.lastLink).toBe('new');
    expect(sut.lastReturned).toBe(false);
    expect([near, far]).not.toContain(c);
    // The estimate's association makes the guess (the closest, most recent candidate).
    const guess = new ProbeAssociator({ rssiTolerance: 10 });
    guess.link(probe(0, 'far', { fingerprint: 'f', seq: 100, rssi: -70, sensor: 's' }));
    const n = guess.link(
      probe(30_000, 'near', { fingerprint: 'f', seq: 2000, rssi: -40, sensor: 's' }),
    );
    expect(
      guess.link(probe(60_000, 'c', { fingerprint: 'f', seq: 3000, rssi: -50, sensor: 't' })),
    ).toBe(n);
    expect(guess.lastLink).toBe('timing');
    // With one candidate only (a new fingerprint's device), the timing link is made.
    const d = sut.link(probe(70_000, 'd', { fingerprint: 'g', seq: 10, rssi: -50, sensor: 't' }));
    expect(
      sut.link(probe(100_000, 'e', { fingerprint: 'g', seq: 900, rssi: -50, sensor: 't' })),
    ).toBe(d);
    expect(sut.lastLink).toBe('timing');
  });

  it('splits off an address that comes back after its device moved on, and keeps fresh addresses off it', () => {
    const sut = new ProbeAssociator();
    // A phone that keeps its address (an associated iPhone) and one that probes under a fresh
    // address every burst, same model (one fingerprint), heard alike by one sensor.
    const keeper = sut.link(probe(0, 'keeps', { fingerprint: 'f', seq: 100 }));
    expect(sut.link(probe(30_000, 'fresh1', { fingerprint: 'f', seq: 3000 }))).toBe(keeper);
    expect(sut.lastLink).toBe('timing'); // nothing tells them apart yet
    const back = sut.link(probe(60_000, 'keeps', { fingerprint: 'f', seq: 140 }));
    expect(sut.lastLink).toBe('new'); // the address is back: 'fresh1' was another device
    expect(back).not.toBe(keeper);
    expect(sut.link(probe(65_000, 'keeps', { fingerprint: 'f', seq: 141 }))).toBe(back);
    // The next fresh burst goes to the fresh device, not to the one that keeps its address...
    expect(sut.link(probe(90_000, 'fresh2', { fingerprint: 'f', seq: 1200 }))).toBe(keeper);
    expect(sut.lastLink).toBe('timing');
    // ... but an address change of the keeper with a continuing sequence counter still links.
    expect(sut.link(probe(120_000, 'rotated', { fingerprint: 'f', seq: 150 }))).toBe(back);
    expect(sut.lastLink).toBe('sequence');
  });

  it('never links across pseudonym key periods, and forgets the old period', () => {
    const sut = new ProbeAssociator();
    const a = sut.link(probe(0, 'x', { fingerprint: 'f', period: 1 }));
    expect(sut.link(probe(10, 'x', { fingerprint: 'f', period: 2 }))).not.toBe(a);
    expect(sut.held).toBe(2); // one address, one device: the new period's
    expect(sut.link(probe(20, 'x', { fingerprint: 'f', period: 1 }))).not.toBe(a);
  });

  it('holds only what the window needs (bounded memory)', () => {
    const sut = new ProbeAssociator({ windowMs: 60_000 });
    for (let i = 0; i < 10_000; i += 1) {
      sut.link(probe(i * 1_000, `a${i}`, { fingerprint: `f${i % 7}` }));
    }
    expect(sut.held).toBeLessThan(2 * 130);
  });

  it('changes the device of an address only by opening one, and never gives more devices than addresses (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 600_000 }),
            address: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
            rssi: fc.integer({ min: -100, max: -20 }),
            seq: fc.option(fc.integer({ min: 0, max: 4095 }), { nil: undefined }),
            fingerprint: fc.option(fc.constantFrom('f', 'g'), { nil: undefined }),
            sensor: fc.constantFrom('s1', 's2'),
          }),
        ),
        (raw) => {
          const sut = new ProbeAssociator({ windowMs: 700_000 }); // longer than the stream
          const sorted = raw.sort((x, y) => x.at - y.at);
          const ids = new Set<number>();
          const addresses = new Set<string>();
          const deviceOf = new Map<string, number>();
          for (const r of sorted) {
            const input: AssociationInput = { at: T0 + r.at, address: r.address, rssi: r.rssi };
            if (r.seq !== undefined) input.seq = r.seq;
            if (r.fingerprint !== undefined) input.fingerprint = r.fingerprint;
            input.sensor = r.sensor;
            const id = sut.link(input);
            // An address moves to another device only when it comes back after its device moved
            // on to other addresses: then it opens a device of its own.
            if (
              deviceOf.has(r.address) &&
              deviceOf.get(r.address) !== id &&
              sut.lastLink !== 'new'
            ) {
              return false;
            }
            deviceOf.set(r.address, id);
            ids.add(id);
            addresses.add(r.address);
          }
          return ids.size <= addresses.size;
        },
      ),
    );
  });
});
