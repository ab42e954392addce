import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  MAC_NOTATION_NAMES,
  TEST_MACS,
  expectNoRawMac,
  findRawMac,
  macNotations,
  notationOf,
} from './raw-mac.js';

const MAC = 'da:a1:19:4c:2b:7e';

describe(macNotations.name, () => {
  it('writes a MAC in every common notation', () => {
    expect(macNotations('DA-A1-19-4C-2B-7E')).toEqual([
      'da:a1:19:4c:2b:7e',
      'DA:A1:19:4C:2B:7E',
      'da-a1-19-4c-2b-7e',
      'DA-A1-19-4C-2B-7E',
      'daa1.194c.2b7e',
      'DAA1.194C.2B7E',
      'daa1194c2b7e',
      'DAA1194C2B7E',
    ]);
  });

  it('names each notation', () => {
    expect(macNotations(MAC).map(notationOf)).toEqual([...MAC_NOTATION_NAMES]);
  });

  it('refuses what is not a MAC', () => {
    expect(() => macNotations('da:a1:19')).toThrow('not a MAC address');
  });

  it('includes a locally administered (randomised) MAC among the test MACs', () => {
    expect(TEST_MACS).toContain(MAC);
    expect(TEST_MACS.some((m) => (Number.parseInt(m.slice(0, 2), 16) & 0x02) !== 0)).toBe(true);
  });
});

describe(findRawMac.name, () => {
  it.each(macNotations(MAC))('finds %s in text and returns it as written', (notation) => {
    expect(findRawMac(`device ${notation} seen`)).toBe(notation);
  });

  it('finds every notation of every test MAC, whatever the case', () => {
    for (const mac of TEST_MACS) {
      for (const notation of macNotations(mac)) {
        const mixed = [...notation].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
        expect(findRawMac(`x${mixed}y`)).toBe(mixed);
      }
    }
  });

  it('searches objects through their JSON, keys included', () => {
    expect(findRawMac({ a: [{ b: 'DAA1.194C.2B7E' }] })).toBe('DAA1.194C.2B7E');
    expect(findRawMac({ 'da-a1-19-4c-2b-7e': 1 })).toBe('da-a1-19-4c-2b-7e');
  });

  it('finds what JSON hides: Map keys, Sets, nested buffers, raw bytes', () => {
    expect(findRawMac({ seen: new Map([['daa1194c2b7e', 1]]) })).toBe('daa1194c2b7e');
    expect(findRawMac({ seen: new Set(['DA:A1:19:4C:2B:7E']) })).toBe('DA:A1:19:4C:2B:7E');
    expect(findRawMac(Buffer.from(`{"mac":"${MAC}"}`))).toBe(MAC);
    const row = { key: Buffer.from([0, 1, 0xda, 0xa1, 0x19, 0x4c, 0x2b, 0x7e, 9]) };
    expect(findRawMac(row)).toBe('<binary da a1 19 4c 2b 7e>');
    expect(notationOf(findRawMac(row)!)).toBe('binary (6 raw bytes)');
  });

  it('copes with cycles and BigInt', () => {
    const cyclic: Record<string, unknown> = { n: 1n, text: 'nothing here' };
    cyclic['self'] = cyclic;
    expect(findRawMac(cyclic)).toBeNull();
    cyclic['mac'] = '3c22fb123456';
    expect(findRawMac(cyclic)).toBe('3c22fb123456');
  });

  it('searches only the MACs it is given', () => {
    expect(findRawMac('aa:bb:cc:dd:ee:ff')).toBeNull();
    expect(findRawMac('aa:bb:cc:dd:ee:ff', ['AABBCCDDEEFF'])).toBe('aa:bb:cc:dd:ee:ff');
  });

  it('does not mistake a pseudonym (hex) for a MAC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const sighting = TEST_MACS.map((mac) => ({
          subject: createHmac('sha256', key).update(`wifi:${mac}`).digest('hex').slice(0, 32),
          rssi: -61,
          at: 1_767_258_000_000,
        }));
        return findRawMac(sighting) === null;
      }),
    );
  });
});

describe(expectNoRawMac.name, () => {
  it('passes clean output', () => {
    expect(() =>
      expectNoRawMac({ subject: '9f86d081884c7d659a2feaa0c55ad015' }, 'the sighting'),
    ).not.toThrow();
  });

  it('names where and which notation leaked', () => {
    expect(() => expectNoRawMac('line: DA-A1-19-4C-2B-7E', 'the log')).toThrow(
      'raw MAC leaked in the log: found dash upper-case "DA-A1-19-4C-2B-7E"',
    );
  });
});
