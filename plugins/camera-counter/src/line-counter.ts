import { MAX_COUNT } from '@aisle/sdk';
import {
  IMAGE_FIELDS,
  MAX_EPOCH_MS,
  isRecord,
  readCount,
  safeDescribe,
  safeKey,
  shapeOf,
} from './wire.js';
import type { Rejection } from './wire.js';

/** One Axis-style counter report: `{serial, name, timestamp, in, out}` (+ optional `interval`). */
export interface CounterReport {
  /** The device serial (on Axis, its MAC address): compared, never logged or emitted. */
  serial?: string;
  /** Device time of the report, epoch ms. */
  at: number;
  in: number;
  out: number;
  /** Interval length, s, when the report gives it. */
  interval?: number;
}

const REPORT_FIELDS = ['serial', 'name', 'timestamp', 'in', 'out', 'interval'];

/**
 * Parses one report. `timestamp` is ISO 8601 (`2026-01-01T09:00:00Z`; without an offset it is
 * device local time), Axis' compact local time `YYYYMMDDhhmmss`, or epoch seconds. Unknown fields
 * are errors (a typo must not pass), image fields are refused.
 */
export function parseReport(
  value: unknown,
  options: { path: string; utcOffsetMinutes: number },
): { ok: true; report: CounterReport } | Rejection {
  const p = options.path;
  if (!isRecord(value)) {
    return {
      reason: 'bad_report',
      detail: `${p || 'payload'}: must be an object {serial, name, timestamp, in, out} (got ${shapeOf(value)})`,
    };
  }
  for (const key of Object.keys(value)) {
    if ((IMAGE_FIELDS as readonly string[]).includes(key)) {
      return {
        reason: 'image_data',
        detail: `${p}${safeKey(key)}: images and face data are not accepted (got ${shapeOf(value[key])})`,
      };
    }
    if (!REPORT_FIELDS.includes(key)) {
      return {
        reason: 'unknown_field',
        detail: `${p}${safeKey(key)}: is not a field of a counter report (only ${REPORT_FIELDS.join(', ')})`,
      };
    }
  }
  const serial = value['serial'];
  if (serial !== undefined && (typeof serial !== 'string' || serial.length > 64)) {
    return {
      reason: 'bad_serial',
      detail: `${p}serial: must be a string of at most 64 characters (got ${shapeOf(serial)})`,
    };
  }
  const name = value['name'];
  if (name !== undefined && (typeof name !== 'string' || name.length > 128)) {
    return {
      reason: 'bad_name',
      detail: `${p}name: must be a string of at most 128 characters (got ${shapeOf(name)})`,
    };
  }
  const at = parseTimestamp(value['timestamp'], options.utcOffsetMinutes);
  if (at === undefined) {
    return {
      reason: 'bad_timestamp',
      detail: `${p}timestamp: must be ISO 8601, YYYYMMDDhhmmss or epoch seconds (got ${safeDescribe(value['timestamp'])})`,
    };
  }
  const entries = readCount(value['in'], `${p}in`);
  if (!entries.ok) return { reason: 'bad_count', detail: entries.detail };
  const exits = readCount(value['out'], `${p}out`);
  if (!exits.ok) return { reason: 'bad_count', detail: exits.detail };
  const interval = value['interval'];
  if (
    interval !== undefined &&
    (typeof interval !== 'number' ||
      !Number.isInteger(interval) ||
      interval < 1 ||
      interval > 86_400)
  ) {
    return {
      reason: 'bad_interval',
      detail: `${p}interval: must be an integer number of seconds from 1 to 86400 (got ${safeDescribe(interval)})`,
    };
  }
  const report: CounterReport = { at, in: entries.value, out: exits.value };
  if (typeof serial === 'string') report.serial = serial;
  if (typeof interval === 'number') report.interval = interval;
  return { ok: true, report };
}

/** Epoch ms of a device timestamp, or undefined. */
export function parseTimestamp(value: unknown, utcOffsetMinutes: number): number | undefined {
  let ms: number | undefined;
  if (typeof value === 'number') {
    ms = Number.isFinite(value) && value > 0 ? Math.round(value * 1000) : undefined;
  } else if (typeof value === 'string') {
    const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
    const iso =
      /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(
        value,
      );
    const parts = compact ?? iso;
    if (!parts) return undefined;
    const [y, mo, d, h, mi, s] = parts.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const local = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(local);
    if (
      check.getUTCFullYear() !== y ||
      check.getUTCMonth() !== mo - 1 ||
      check.getUTCDate() !== d ||
      check.getUTCHours() !== h ||
      check.getUTCMinutes() !== mi ||
      check.getUTCSeconds() !== s
    ) {
      return undefined; // 2026-02-30, 25:00 and the like
    }
    const fraction = iso?.[7] ? Math.round(Number(`0.${iso[7]}`) * 1000) : 0;
    const zone = iso?.[8];
    let offset = utcOffsetMinutes;
    if (zone === 'Z') offset = 0;
    else if (zone !== undefined) {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
      if (!z) return undefined;
      offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
    }
    ms = local + fraction - offset * 60_000;
  }
  return ms !== undefined && ms <= MAX_EPOCH_MS ? ms : undefined;
}

/** What the ledger says of an interval's report. */
export type LedgerVerdict = 'new' | 'duplicate' | 'conflict' | 'too_late';

/**
 * Remembers which counting intervals were counted, so that a report repeated (device retry, a
 * replayed backlog) counts once, and a different report of an already counted interval is refused
 * rather than added: totals never go backwards and never double-count. Idempotency key: interval
 * start (one ledger per sensor and line). Intervals older than `maxAgeMs` are forgotten and their
 * reports refused as `too_late`, which bounds the memory.
 */
export class IntervalLedger {
  private readonly seen = new Map<number, { in: number; out: number }>();
  /** Safety bound on remembered intervals (a week of one-second intervals is 604,800). */
  private static readonly MAX_ENTRIES = 200_000;

  constructor(private readonly maxAgeMs: number) {}

  get size(): number {
    return this.seen.size;
  }

  record(intervalStart: number, counts: { in: number; out: number }, now: number): LedgerVerdict {
    const horizon = now - this.maxAgeMs;
    if (intervalStart < horizon) return 'too_late';
    const known = this.seen.get(intervalStart);
    if (known) {
      return known.in === counts.in && known.out === counts.out ? 'duplicate' : 'conflict';
    }
    if (this.seen.size >= IntervalLedger.MAX_ENTRIES) this.forgetBefore(horizon);
    if (this.seen.size >= IntervalLedger.MAX_ENTRIES) {
      this.seen.delete(this.seen.keys().next().value as number);
    }
    this.seen.set(intervalStart, { in: counts.in, out: counts.out });
    return 'new';
  }

  forgetBefore(horizon: number): void {
    for (const start of this.seen.keys()) if (start < horizon) this.seen.delete(start);
  }

  clear(): void {
    this.seen.clear();
  }
}

/** What one live-sum reading adds. */
export type LiveSumStep =
  | { kind: 'baseline' }
  | { kind: 'stale' }
  | {
      kind: 'delta';
      entries: number;
      exits: number;
      intervalStart: number;
      at: number;
      /** The device's sums restarted (midnight or a reboot) since the previous reading. */
      reset: boolean;
    };

/**
 * Turns an Axis-style live sum (people in/out since the device's local midnight) into counts per
 * polling interval. A reading not newer than the last adds nothing (idempotent by interval); a
 * sum that went down, or a new device day, is a reset: the new sums are the counts since it. The
 * first reading after start is only a baseline: the day's sum so far may already be counted
 * (before a hub restart), and a count must never be added twice.
 */
export class LiveSumTracker {
  private last: { at: number; day: string; in: number; out: number } | undefined;

  constructor(private readonly utcOffsetMinutes: number) {}

  reading(report: { at: number; in: number; out: number }): LiveSumStep {
    const day = new Date(report.at + this.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
    const last = this.last;
    if (!last) {
      this.last = { at: report.at, day, in: report.in, out: report.out };
      return { kind: 'baseline' };
    }
    if (report.at <= last.at) return { kind: 'stale' };
    const reset = day !== last.day || report.in < last.in || report.out < last.out;
    const entries = reset ? report.in : report.in - last.in;
    const exits = reset ? report.out : report.out - last.out;
    this.last = { at: report.at, day, in: report.in, out: report.out };
    return {
      kind: 'delta',
      entries: Math.min(entries, MAX_COUNT),
      exits: Math.min(exits, MAX_COUNT),
      intervalStart: last.at,
      at: report.at,
      reset,
    };
  }

  clear(): void {
    this.last = undefined;
  }
}
