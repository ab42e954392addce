/**
 * Zone tags with a meaning in Aisle, with what they mean (also shown in the API docs). Other
 * lower-case tags (`promo`, `fresh`, `aisle-7`) are allowed and passed through untouched.
 */
export const KNOWN_ZONE_TAGS = {
  entrance: 'doorway area: crossing it starts or ends a visit (footfall)',
  checkout: 'tills and the queue in front of them (dwell here is checkout time)',
  sensitive: 'health, fitting rooms, toilets: never individual tracking or offers, counts only',
  storefront: 'pavement in front of the window: passers-by, capture rate',
  outside: 'not part of the sales floor',
  'staff-only': 'back office, storage: not customers',
  aisle: 'a shelving aisle',
  'fitting-room': 'fitting rooms (handle as sensitive)',
  pharmacy: 'pharmacy counter (handle as sensitive)',
} as const satisfies Record<string, string>;

export type KnownZoneTag = keyof typeof KNOWN_ZONE_TAGS;

/** Any tag: lower-case letters, digits and dashes, at most 32 characters. */
export const ZONE_TAG_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

export const ZONE_TAG_MESSAGE =
  'must be a lower-case tag (letters, digits and dashes, at most 32 characters), e.g. ' +
  Object.keys(KNOWN_ZONE_TAGS).join(', ');

export const ZONE_TAGS_DESCRIPTION =
  'Lower-case tags. Known: ' +
  Object.entries(KNOWN_ZONE_TAGS)
    .map(([tag, meaning]) => `\`${tag}\` (${meaning})`)
    .join('; ') +
  '. Any other lower-case tag is allowed.';
