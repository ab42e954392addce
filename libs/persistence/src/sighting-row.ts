import type { Sighting } from '@aisle/sdk';
import type { SightingEntity } from './entities/sighting.entity.js';

/** A `sightings` row before insert: the entity without its generated id. */
export type SightingRow = Omit<SightingEntity, 'id'>;

/**
 * The same row with times as epoch ms: what the writer buffers (no Date per row: at 10k rows/s
 * allocation matters; flat literals, because V8 spreads big object literals very slowly).
 */
export interface SightingValues {
  storeId: string;
  sensorId: string;
  kind: SightingRow['kind'];
  at: number;
  period: number;
  subject: string | null;
  rssi: number | null;
  randomized: boolean;
  beacon: boolean;
  channel: number | null;
  txPower: number | null;
  fingerprint: string | null;
  lineId: string | null;
  zoneId: string | null;
  entries: number | null;
  exits: number | null;
  occupancy: number | null;
  intervalStart: number | null;
  /**
   * When the writer queued the row (epoch ms; 0 until then). In the literal rather than added
   * later: a property added to a finished object costs a second allocation per row.
   */
  queuedAt: number;
}

/**
 * Maps a sighting to its column values; fields a kind does not have are null (flags false). Times
 * keep whole milliseconds (as `Date` does). RSSI and TX power are stored in whole dB (smallint),
 * so a smoothed -67.4 is kept as -67 rather than refused.
 */
export function toSightingValues(s: Sighting, queuedAt = 0): SightingValues {
  if (s.kind === 'camera') {
    return {
      storeId: s.storeId,
      sensorId: s.sensorId,
      kind: s.kind,
      at: Math.trunc(s.at),
      period: Math.trunc(s.period),
      subject: s.subject ?? null,
      rssi: null,
      randomized: false,
      beacon: false,
      channel: null,
      txPower: null,
      fingerprint: null,
      lineId: s.lineId ?? null,
      zoneId: s.zoneId ?? null,
      entries: s.entries ?? null,
      exits: s.exits ?? null,
      occupancy: s.occupancy ?? null,
      intervalStart: s.intervalStart === undefined ? null : Math.trunc(s.intervalStart),
      queuedAt,
    };
  }
  return {
    storeId: s.storeId,
    sensorId: s.sensorId,
    kind: s.kind,
    at: Math.trunc(s.at),
    period: Math.trunc(s.period),
    subject: s.subject,
    rssi: Math.round(s.rssi),
    randomized: s.randomized,
    beacon: s.beacon ?? false,
    channel: s.channel ?? null,
    txPower: s.txPower === undefined ? null : Math.round(s.txPower),
    // The keyed element fingerprint (and the sequence number) serve the occupancy estimate's
    // in-memory association only: never written, so nothing stored can link a device's addresses.
    fingerprint: null,
    lineId: null,
    zoneId: null,
    entries: null,
    exits: null,
    occupancy: null,
    intervalStart: null,
    queuedAt,
  };
}

/** Maps a sighting to its `sightings` row (entity field names, times as `Date`). */
export function toSightingRow(s: Sighting): SightingRow {
  const v = toSightingValues(s);
  return {
    storeId: v.storeId,
    sensorId: v.sensorId,
    kind: v.kind,
    at: new Date(v.at),
    period: new Date(v.period),
    subject: v.subject,
    rssi: v.rssi,
    randomized: v.randomized,
    beacon: v.beacon,
    channel: v.channel,
    txPower: v.txPower,
    fingerprint: v.fingerprint,
    lineId: v.lineId,
    zoneId: v.zoneId,
    entries: v.entries,
    exits: v.exits,
    occupancy: v.occupancy,
    intervalStart: v.intervalStart === null ? null : new Date(v.intervalStart),
  };
}

const SMALLINT_MIN = -32768;
const SMALLINT_MAX = 32767;
const INTEGER_MIN = -2147483648;
const INTEGER_MAX = 2147483647;
// Years 1..9999: the range `isoTime` (and `toISOString`'s plain form) covers.
const MIN_TIME = new Date(0).setUTCFullYear(1, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Why the database would refuse these values, or null when it would not: checked before a row is
 * buffered, so one bad sighting cannot make a whole batch fail again and again.
 */
export function sightingProblem(v: SightingValues): string | null {
  return (
    text('storeId', v.storeId, true) ??
    text('sensorId', v.sensorId, true) ??
    (v.kind === 'wifi' || v.kind === 'ble' || v.kind === 'camera'
      ? null
      : `kind must be wifi, ble or camera (got ${String(v.kind)})`) ??
    time('at', v.at) ??
    time('period', v.period) ??
    (v.intervalStart === null ? null : time('intervalStart', v.intervalStart)) ??
    text('subject', v.subject, false) ??
    text('fingerprint', v.fingerprint, false) ??
    text('lineId', v.lineId, false) ??
    text('zoneId', v.zoneId, false) ??
    integer('rssi', v.rssi, SMALLINT_MIN, SMALLINT_MAX) ??
    integer('channel', v.channel, SMALLINT_MIN, SMALLINT_MAX) ??
    integer('txPower', v.txPower, SMALLINT_MIN, SMALLINT_MAX) ??
    integer('entries', v.entries, INTEGER_MIN, INTEGER_MAX) ??
    integer('exits', v.exits, INTEGER_MIN, INTEGER_MAX) ??
    integer('occupancy', v.occupancy, INTEGER_MIN, INTEGER_MAX) ??
    (typeof v.randomized === 'boolean' && typeof v.beacon === 'boolean'
      ? null
      : 'randomized and beacon must be booleans')
  );
}

function text(field: string, value: unknown, required: boolean): string | null {
  if (value === null && !required) return null;
  if (typeof value !== 'string' || (required && value.length === 0)) {
    return `${field} must be a ${required ? 'non-empty ' : ''}string`;
  }
  return value.includes('\u0000') ? `${field} contains a NUL character` : null;
}

function time(field: string, value: number): string | null {
  return value >= MIN_TIME && value <= MAX_TIME ? null : `${field} must be a valid time`;
}

function integer(field: string, value: number | null, min: number, max: number): string | null {
  if (value === null || (Number.isInteger(value) && value >= min && value <= max)) return null;
  return `${field} must be an integer in [${min}, ${max}] (got ${String(value)})`;
}

/** Two cached minutes: a row's `at` and its day-aligned `period` alternate, one would thrash. */
let cachedMinute = Number.NaN;
let cachedPrefix = '';
let otherMinute = Number.NaN;
let otherPrefix = '';

/**
 * `new Date(ms).toISOString()` for whole-ms times in years 1..9999, without a Date per call: the
 * `YYYY-MM-DDTHH:MM:` prefix is cached per minute, for the last two minutes seen (rows of a batch
 * mostly share their `at` minute and their `period`).
 */
export function isoTime(ms: number): string {
  const minute = Math.floor(ms / 60_000);
  isoMinutePrefix(minute);
  const rest = ms - minute * 60_000; // 0 … 59999
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${cachedPrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 100 ? (millis < 10 ? '00' : '0') : ''}${millis}Z`;
}

/**
 * `YYYY-MM-DDTHH:MM:` of the minute `minute` (epoch ms ÷ 60,000) in years 1..9999, from the cache
 * of the last two minutes seen ({@link isoTime}'s; the COPY writer writes the rest digit by digit).
 */
export function isoMinutePrefix(minute: number): string {
  if (minute !== cachedMinute) {
    const prefix =
      minute === otherMinute ? otherPrefix : new Date(minute * 60_000).toISOString().slice(0, 17);
    otherMinute = cachedMinute;
    otherPrefix = cachedPrefix;
    cachedMinute = minute;
    cachedPrefix = prefix;
  }
  return cachedPrefix;
}
