/**
 * Ids chosen by people (stores, zones, sensors): lower-case letters, digits and dashes, starting
 * with a letter or digit, at most 63 characters (fits a DNS label, an MQTT topic level, a URL).
 */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const SLUG_MESSAGE =
  'must be a slug: lower-case letters, digits and dashes, starting with a letter or digit, at most 63 characters';
