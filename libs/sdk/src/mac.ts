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

/** The locally-administered bit (0x02 of the first octet): set on randomised addresses. */
export function isLocallyAdministered(normalisedMac: string): boolean {
  return (Number.parseInt(normalisedMac.slice(0, 2), 16) & 0x02) !== 0;
}

/** The group bit (0x01 of the first octet): multicast/broadcast, never a device. */
export function isMulticast(normalisedMac: string): boolean {
  return (Number.parseInt(normalisedMac.slice(0, 2), 16) & 0x01) !== 0;
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
