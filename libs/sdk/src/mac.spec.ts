import fc from 'fast-check';
import { formatMac, isLocallyAdministered, normaliseMac, redactMacs } from './mac.js';

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
