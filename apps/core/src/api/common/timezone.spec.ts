import { validateSync } from 'class-validator';
import { canonicalTimeZone, IsIanaTimeZone } from './timezone.js';

class Holder {
  @IsIanaTimeZone()
  timezone!: unknown;
}

function errors(timezone: unknown): string[] {
  const sut = Object.assign(new Holder(), { timezone });
  return validateSync(sut).flatMap((e) => Object.values(e.constraints ?? {}));
}

describe('IsIanaTimeZone', () => {
  it('accepts IANA zones and UTC', () => {
    expect(errors('Europe/Berlin')).toEqual([]);
    expect(errors('America/Argentina/Buenos_Aires')).toEqual([]);
    expect(errors('UTC')).toEqual([]);
  });

  it('refuses unknown zones, offsets written as names and non-strings', () => {
    for (const bad of ['Mars/Olympus', 'Berlin', '', 42, null]) {
      expect(errors(bad)).toEqual(['must be an IANA time zone such as Europe/Berlin or UTC']);
    }
  });

  it('canonicalises the spelling', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('nope')).toBeUndefined();
  });
});
