/**
 * MAC address handling shared by drivers and the gate. A MAC in any common notation is normalised
 * to 12 lower-case hex digits before it is keyed, so notation never changes a pseudonym.
 */
const SEPARATED =
  /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i;
const CISCO = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i;
const BARE = /^[0-9a-f]{12}$/i;

/** `AA-BB-CC-DD-EE-FF`, `aa:bb:…`, `aabb.ccdd.eeff`, `aabbccddeeff` → `aabbccddeeff`; otherwise null. */
export function normaliseMac(input: string): string | null {
  // Runs once or twice per observation: the two forms drivers send (already normalised, and
  // colon- or hyphen-separated) are read character by character, without regexes or arrays.
  if (input.length === 12) {
    if (isLowerHex(input, 0, 12)) return input;
  } else if (input.length === 17) {
    const fast = separatedFast(input);
    if (fast !== null) return fast;
  }
  const text = input.trim();
  if (BARE.test(text)) return text.toLowerCase();
  const separated = SEPARATED.exec(text);
  if (separated) {
    return [1, 3, 4, 5, 6, 7]
      .map((i) => separated[i])
      .join('')
      .toLowerCase();
  }
  const cisco = CISCO.exec(text);
  if (cisco) return `${cisco[1]}${cisco[2]}${cisco[3]}`.toLowerCase();
  return null;
}

/** Whether `text[from, to)` is lower-case hex digits only. */
function isLowerHex(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Value of a hex digit's character code, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** `aa:bb:cc:dd:ee:ff` / `AA-BB-…` (one separator throughout) → 12 lower-case digits, else null. */
function separatedFast(text: string): string | null {
  const separator = text.charCodeAt(2);
  if (separator !== 58 && separator !== 45) return null; // ':' or '-'
  const codes: number[] = SCRATCH;
  for (let octet = 0; octet < 6; octet += 1) {
    const at = octet * 3;
    if (octet < 5 && text.charCodeAt(at + 2) !== separator) return null;
    for (let k = 0; k < 2; k += 1) {
      const c = text.charCodeAt(at + k);
      const v = hexValue(c);
      if (v < 0) return null;
      codes[octet * 2 + k] = v < 10 ? 48 + v : 87 + v;
    }
  }
  return String.fromCharCode(
    codes[0]!,
    codes[1]!,
    codes[2]!,
    codes[3]!,
    codes[4]!,
    codes[5]!,
    codes[6]!,
    codes[7]!,
    codes[8]!,
    codes[9]!,
    codes[10]!,
    codes[11]!,
  );
}
const SCRATCH: number[] = new Array<number>(12).fill(0);

/** The first octet's bits from its second hex digit; the slow path for anything else. */
function firstOctetBits(normalisedMac: string): number {
  const low = hexValue(normalisedMac.charCodeAt(1));
  return low >= 0 && hexValue(normalisedMac.charCodeAt(0)) >= 0
    ? low
    : Number.parseInt(normalisedMac.slice(0, 2), 16);
}

/** The locally-administered bit (0x02 of the first octet): set on randomised addresses. */
export function isLocallyAdministered(normalisedMac: string): boolean {
  return (firstOctetBits(normalisedMac) & 0x02) !== 0;
}

/** The group bit (0x01 of the first octet): multicast/broadcast, never a device. */
export function isMulticast(normalisedMac: string): boolean {
  return (firstOctetBits(normalisedMac) & 0x01) !== 0;
}

/** Formats 12 hex digits as `aa:bb:cc:dd:ee:ff`. */
export function formatMac(normalisedMac: string): string {
  return normalisedMac.match(/../g)?.join(':') ?? normalisedMac;
}

/**
 * Anything in free text that looks like a MAC address, in any common notation. Used to redact log
 * lines and error messages: a raw identifier never reaches a log. Separated and dotted forms match anywhere
 * (also glued to other hex); bare 12-digit forms only as a whole hex word, so longer hex strings
 * (pseudonyms, hashes) survive. It errs on the side of redacting: a 12-digit number is redacted.
 */
const MAC_IN_TEXT =
  /[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}|(?<![0-9a-f])[0-9a-f]{12}(?![0-9a-f])/gi;

export function redactMacs(text: string): string {
  return text.replace(MAC_IN_TEXT, '[redacted-mac]');
}
