import { generateApiKey, hashSecret, parseApiKey, secretMatches } from './api-key-format.js';

describe('api key format', () => {
  it('generates ak_<12 hex>.<43 base64url> keys that parse back', () => {
    const sut = generateApiKey();
    expect(sut.key).toMatch(/^ak_[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(sut.key)).toEqual({ id: sut.id, secret: sut.secret });
    expect(Buffer.from(sut.secret, 'base64url')).toHaveLength(32);
  });

  it('generates a different key every time', () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateApiKey().key));
    expect(keys.size).toBe(50);
  });

  it.each([
    ['no prefix', 'xx_0123456789ab.' + 'A'.repeat(43)],
    ['short id', 'ak_0123.' + 'A'.repeat(43)],
    ['upper-case id', 'ak_0123456789AB.' + 'A'.repeat(43)],
    ['short secret', 'ak_0123456789ab.' + 'A'.repeat(42)],
    ['non-canonical last character', 'ak_0123456789ab.' + 'A'.repeat(42) + 'B'],
    ['no dot', 'ak_0123456789ab' + 'A'.repeat(43)],
    ['empty', ''],
  ])('refuses %s', (_what, text) => {
    expect(parseApiKey(text)).toBeUndefined();
  });

  it('accepts base32 ids', () => {
    expect(parseApiKey(`ak_abcdefgh2345.${'A'.repeat(43)}`)?.id).toBe('abcdefgh2345');
  });

  it('hashes the secret with SHA-256 (hex) and compares in constant time', () => {
    const { secret } = generateApiKey();
    const hash = hashSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}A`, hash)).toBe(secret.endsWith('A'));
    expect(secretMatches(secret, 'not-a-hash')).toBe(false);
  });
});
