import { PSEUDONYM_HEX_LENGTH, PSEUDONYM_NAMESPACES, pseudonym } from './pseudonymise.js';

describe(pseudonym.name, () => {
  const key = Buffer.alloc(32, 7);

  it('is hex HMAC-SHA256(key, "namespace:id") cut to 128 bits', () => {
    // Fixed vector: changing the construction would silently split every stored pseudonym.
    expect(pseudonym(key, 'wifi', '3c22fb123456')).toBe('f7ba588be92296aef82e81699ffb550d');
    expect(PSEUDONYM_HEX_LENGTH).toBe(32);
  });

  it('gives every namespace its own pseudonym for the same id', () => {
    const subjects = PSEUDONYM_NAMESPACES.map((ns) => pseudonym(key, ns, '3c22fb123456'));
    expect(new Set(subjects).size).toBe(PSEUDONYM_NAMESPACES.length);
  });

  it('depends on the key', () => {
    expect(pseudonym(Buffer.alloc(32, 8), 'wifi', '3c22fb123456')).not.toBe(
      pseudonym(key, 'wifi', '3c22fb123456'),
    );
  });
});
