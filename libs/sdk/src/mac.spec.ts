import fc from 'fast-check';
import { formatMac, isLocallyAdministered, isMulticast, normaliseMac, redactMacs } from './mac.js';

/** The notation rules as regexes (what the character-by-character fast paths must agree with). */
function byRegex(input: string): string | null {
  const text = input.trim();
  if (/^[0-9a-f]{12}$/i.test(text)) return text.toLowerCase();
  const separated =
    /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(
      text,
    );
  if (separated) {
    return [1, 3, 4, 5, 6, 7]
      .map((i) => separated[i])
      .join('')
      .toLowerCase();
  }
  const cisco = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i.exec(text);
  return cisco ? `${cisco[1]}${cisco[2]}${cisco[3]}`.toLowerCase() : null;
}

describe(normaliseMac.name, () => {
  it.each([
    ['AA:BB:CC:DD:EE:FF', 'aabbccddeeff'],
    ['aa-bb-cc-dd-ee-ff', 'aabbccddeeff'],
    ['aabb.ccdd.eeff', 'aabbccddeeff'],
    ['AABBCCDDEEFF', 'aabbccddeeff'],
    [' aa:bb:cc:dd:ee:ff ', 'aabbccddeeff'],
  ])('normalises %s', (input, expected) => {
    expect(normaliseMac(input)).toBe(expected);
  });

  it.each(['aa:bb:cc:dd:ee', 'aa:bb-cc:dd:ee:ff', 'zz:bb:cc:dd:ee:ff', '', 'aabbccddeef'])(
    'rejects %p',
    (input) => {
      expect(normaliseMac(input)).toBeNull();
    },
  );

  it.each([
    'aa:bb:cc:dd:ee:f',
    'aa:bb:cc:dd:ee:fg',
    'aa.bb.cc.dd.ee.ff',
    'aa:bb:cc:dd:ee-ff',
    'aa:bb:cc:dd:eeXff',
    'Aabbccddeeff',
    'aabbccddeefg',
    ' aabbccddeef',
    'aa:bb:cc:dd:ee:ff\n',
    'a:abb:cc:dd:ee:ff',
  ])('agrees with the notation rules on %p', (input) => {
    expect(normaliseMac(input)).toBe(byRegex(input));
  });

  it('agrees with the notation rules on any 12- or 17-character text of MAC characters', () => {
    const char = fc.constantFrom(...'0123456789abcdefABCDEFgG:-. '.split(''));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(char, { minLength: 12, maxLength: 12 }),
          fc.array(char, { minLength: 17, maxLength: 17 }),
        ),
        (chars) => normaliseMac(chars.join('')) === byRegex(chars.join('')),
      ),
      { numRuns: 2000 },
    );
  });

  it('reads the group and locally-administered bits of every first octet', () => {
    for (let octet = 0; octet < 256; octet += 1) {
      const mac = `${octet.toString(16).padStart(2, '0')}0000000000`;
      expect(isMulticast(mac)).toBe((octet & 1) !== 0);
      expect(isLocallyAdministered(mac)).toBe((octet & 2) !== 0);
      expect(isMulticast(mac.toUpperCase())).toBe((octet & 1) !== 0);
    }
  });

  it('gives one form for every notation of the same address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
        const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0'));
        const forms = [
          hex.join(':'),
          hex.join('-').toUpperCase(),
          hex.join(''),
          `${hex[0]}${hex[1]}.${hex[2]}${hex[3]}.${hex[4]}${hex[5]}`,
        ];
        return (
          new Set(forms.map(normaliseMac)).size === 1 && normaliseMac(forms[0]!) === hex.join('')
        );
      }),
    );
  });

  it('reads the locally-administered bit', () => {
    expect(isLocallyAdministered('02aabbccddee')).toBe(true);
    expect(isLocallyAdministered('00aabbccddee')).toBe(false);
    expect(isLocallyAdministered('daaabbccddee')).toBe(true);
    expect(formatMac('aabbccddeeff')).toBe('aa:bb:cc:dd:ee:ff');
  });
});

describe('redactMacs', () => {
  it('removes every notation from text and keeps the rest', () => {
    const text =
      'saw AA:BB:CC:DD:EE:FF and aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or aabbccddeeff at -60 dBm';
    expect(redactMacs(text)).toBe(
      'saw [redacted-mac] and [redacted-mac], [redacted-mac] or [redacted-mac] at -60 dBm',
    );
  });
});

describe('redactMacs edge cases', () => {
  it('catches MACs glued to other hex and keeps longer hex words', () => {
    expect(redactMacs('x2b:7eda:a1:19:4c:2b:7e')).not.toMatch(/a1:19:4c/);
    expect(redactMacs('subject 0123456789abcdef0123456789abcdef')).toBe(
      'subject 0123456789abcdef0123456789abcdef',
    );
    expect(redactMacs('at 1767254400000')).toBe('at 1767254400000');
    expect(redactMacs('id 001122334455')).toBe('id [redacted-mac]');
  });

  it('leaves no notation of any MAC behind (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        fc.string(),
        fc.string(),
        (bytes, before, after) => {
          const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0'));
          for (const form of [
            hex.join(':'),
            hex.join('-').toUpperCase(),
            `${hex[0]}${hex[1]}.${hex[2]}${hex[3]}.${hex[4]}${hex[5]}`,
          ]) {
            const out = redactMacs(`${before}${form}${after}`);
            if (out.toLowerCase().includes(form.toLowerCase())) return false;
          }
          return true;
        },
      ),
    );
  });
});
