import { createHmac, randomBytes } from 'node:crypto';
import {
  keyedDigestHex,
  PSEUDONYM_HEX_LENGTH,
  PSEUDONYM_NAMESPACES,
  forgetPseudonymKey,
  pseudonym,
} from './pseudonymise.js';

function reference(key: Buffer, input: string): string {
  return createHmac('sha256', key).update(input).digest('hex').slice(0, PSEUDONYM_HEX_LENGTH);
}

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

  it('gives the bytes of createHmac for every input length, ASCII or not, and any key', () => {
    const keys = [key, randomBytes(32), Buffer.alloc(0), randomBytes(64), randomBytes(65)];
    const ids = ['', 'é', 'beacon-ä1', '17', 'x'.repeat(49), 'x'.repeat(50), 'x'.repeat(200)];
    for (let length = 0; length < 70; length++) {
      ids.push(randomBytes(40).toString('base64').slice(0, length));
    }
    for (const k of keys) {
      for (const id of ids) {
        expect(pseudonym(k, 'beacon', id)).toBe(reference(k, `beacon:${id}`));
      }
    }
  });

  it('follows a key changed in place and forgets a destroyed one', () => {
    const k = Buffer.alloc(32, 3);
    const before = pseudonym(k, 'wifi', '3c22fb123456');
    k.fill(0);
    expect(pseudonym(k, 'wifi', '3c22fb123456')).toBe(reference(k, 'wifi:3c22fb123456'));
    expect(pseudonym(k, 'wifi', '3c22fb123456')).not.toBe(before);
    forgetPseudonymKey(k);
    forgetPseudonymKey(k);
    expect(pseudonym(k, 'wifi', '3c22fb123456')).toBe(reference(k, 'wifi:3c22fb123456'));
  });
});

describe(keyedDigestHex.name, () => {
  it('is the whole hex HMAC-SHA256 of `prefix:id`, for every input length and key size', () => {
    for (const keyBytes of [0, 32, 64, 65]) {
      const key = randomBytes(keyBytes);
      for (let length = 0; length <= 70; length += 1) {
        const id = 'a1:'.repeat(24).slice(0, length);
        for (const prefix of ['device', 'beacon']) {
          expect(keyedDigestHex(key, prefix, id)).toBe(
            createHmac('sha256', key).update(`${prefix}:${id}`).digest('hex'),
          );
        }
      }
      expect(keyedDigestHex(key, 'beacon', 'café')).toBe(
        createHmac('sha256', key).update('beacon:café').digest('hex'),
      );
    }
  });
});
