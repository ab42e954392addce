import { normaliseMac } from '@aisle/sdk';

/**
 * Realistic device MACs for leak tests: feed them in through drivers, then prove that none of them
 * comes out anywhere (database rows, logs, events, webhook bodies, metrics).
 */
export const TEST_MACS: readonly string[] = [
  'da:a1:19:4c:2b:7e', // locally administered: a randomised phone MAC
  '3c:22:fb:12:34:56', // Apple OUI
  'f4:f5:e8:9a:bc:de', // Google OUI
  '00:1a:11:0f:ed:cb', // Google OUI, leading zeros
  'a4:c1:38:5d:7e:21', // Telink: cheap BLE tags and sensors
  '7e:4b:90:c3:11:08', // locally administered again, different first octet
];

/** Names of the notations {@link macNotations} returns, in the same order. */
export const MAC_NOTATION_NAMES = [
  'colon lower-case',
  'colon upper-case',
  'dash lower-case',
  'dash upper-case',
  'Cisco dotted lower-case',
  'Cisco dotted upper-case',
  'bare lower-case',
  'bare upper-case',
] as const;

/** Every common way of writing `mac`: colon, dash, Cisco dotted and bare, lower and upper case. */
export function macNotations(mac: string): string[] {
  const bare = normaliseMac(mac);
  if (bare === null) {
    throw new Error(`macNotations: not a MAC address: ${mac}`);
  }
  const octets = bare.match(/../g)!;
  const dotted = `${bare.slice(0, 4)}.${bare.slice(4, 8)}.${bare.slice(8)}`;
  const lower = [octets.join(':'), octets.join('-'), dotted, bare];
  return [
    lower[0]!,
    lower[0]!.toUpperCase(),
    lower[1]!,
    lower[1]!.toUpperCase(),
    lower[2]!,
    lower[2]!.toUpperCase(),
    lower[3]!,
    lower[3]!.toUpperCase(),
  ];
}

/** How a hit was written, e.g. `dash upper-case`; `binary` for the six raw bytes. */
export function notationOf(hit: string): string {
  if (hit.startsWith('<binary ')) {
    return 'binary (6 raw bytes)';
  }
  const layout = hit.includes(':')
    ? 'colon'
    : hit.includes('-')
      ? 'dash'
      : hit.includes('.')
        ? 'Cisco dotted'
        : 'bare';
  const letters = hit.replace(/[^a-f]/gi, '');
  const casing =
    letters === letters.toLowerCase()
      ? 'lower-case'
      : letters === letters.toUpperCase()
        ? 'upper-case'
        : 'mixed-case';
  return `${layout} ${casing}`;
}

/**
 * The first raw MAC from `macs` found in `haystack`, in any notation and any letter case, as it is
 * written there (or `<binary aa bb …>` for its six raw bytes in a buffer); null when there is none.
 * Objects are searched through their JSON and, because JSON hides them, through every nested
 * buffer, Map and Set, keys included.
 */
export function findRawMac(
  haystack: string | Buffer | object,
  macs: readonly string[] = TEST_MACS,
): string | null {
  const needles = macs.map((mac) => ({
    text: [...new Set(macNotations(mac).map((n) => n.toLowerCase()))],
    bytes: Buffer.from(normaliseMac(mac)!, 'hex'),
  }));
  const inText = (text: string): string | null => {
    const lower = text.toLowerCase();
    for (const needle of needles) {
      for (const notation of needle.text) {
        const at = lower.indexOf(notation);
        if (at >= 0) {
          return text.slice(at, at + notation.length);
        }
      }
    }
    return null;
  };
  const inBytes = (bytes: Uint8Array): string | null => {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const needle of needles) {
      if (buffer.indexOf(needle.bytes) >= 0) {
        return `<binary ${[...needle.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}>`;
      }
    }
    return inText(buffer.toString('latin1'));
  };
  const seen = new Set<object>();
  const walk = (value: unknown): string | null => {
    if (typeof value === 'string') {
      return inText(value);
    }
    if (value === null || typeof value !== 'object') {
      return null;
    }
    if (seen.has(value)) {
      return null;
    }
    seen.add(value);
    if (value instanceof Uint8Array) {
      return inBytes(value);
    }
    if (ArrayBuffer.isView(value)) {
      return inBytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    if (value instanceof Map) {
      for (const [k, v] of value) {
        const hit = walk(k) ?? walk(v);
        if (hit !== null) {
          return hit;
        }
      }
      return null;
    }
    if (value instanceof Set || Array.isArray(value)) {
      for (const item of value as Iterable<unknown>) {
        const hit = walk(item);
        if (hit !== null) {
          return hit;
        }
      }
      return null;
    }
    for (const [k, v] of Object.entries(value)) {
      const hit = inText(k) ?? walk(v);
      if (hit !== null) {
        return hit;
      }
    }
    return null;
  };
  if (typeof haystack === 'string') {
    return inText(haystack);
  }
  if (haystack instanceof Uint8Array) {
    return inBytes(haystack);
  }
  return inText(safeJson(haystack)) ?? walk(haystack);
}

/** Throws naming `where` and the notation that leaked when `haystack` holds a raw MAC. */
export function expectNoRawMac(
  haystack: string | Buffer | object,
  where: string,
  macs: readonly string[] = TEST_MACS,
): void {
  const hit = findRawMac(haystack, macs);
  if (hit !== null) {
    throw new Error(`raw MAC leaked in ${where}: found ${notationOf(hit)} "${hit}"`);
  }
}

function safeJson(value: object): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    // Cycles or BigInt: the walk still searches every string and buffer.
    return '';
  }
}
