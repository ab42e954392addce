import { MAX_COUNT, MAX_TOKEN_LENGTH, type CameraObservation } from '@aisle/sdk';
import { ID_PATTERN } from './config.js';
import {
  MAX_EPOCH_MS,
  imageField,
  isRecord,
  parseJson,
  safeDescribe,
  shapeOf,
  type Rejection,
} from './wire.js';

/** A camera observation as a driver emits it (the host fills in store and sensor). */
export type CameraCount = Omit<CameraObservation, 'storeId' | 'sensorId'> & { sensorId?: string };

/** Only people are counted; Frigate also tracks cars, dogs, parcels… */
export const PERSON = 'person';

/**
 * Tracks kept at most (memory bound). A camera sees a few dozen people at once; 10,000 only fills
 * up when `end` messages are lost, and then the oldest are forgotten first.
 */
const MAX_TRACKS = 10_000;
/** A track without a message for this long is forgotten (Frigate updates live tracks each second). */
const TRACK_IDLE_MS = 30 * 60_000;
/** Ended track ids remembered, so that a late `update` after `end` is not counted again. */
const MAX_ENDED = 10_000;

export interface FrigateOptions {
  /** Frigate zone → Aisle zone; `identity` maps every zone with a valid id to itself (decoding). */
  zones: ReadonlyMap<string, string> | 'identity';
  /** Cameras whose events count; empty: all. */
  cameras: ReadonlySet<string>;
  maxClockSkewMs: number;
  /** Sets `sensorId` to the Frigate camera name (offline decoding, where no sensor is configured). */
  sensorFromCamera?: boolean;
}

export interface FrigateResult {
  /** The message was well-formed Frigate output (a sign of a live Frigate, counted or not). */
  valid: boolean;
  observations: CameraCount[];
  rejections: Rejection[];
}

interface Track {
  zones: ReadonlySet<string>;
  /** Frame time of the last message applied, epoch ms. */
  at: number;
  /** Hub time of the last message, for idle eviction. */
  touched: number;
}

const ok = (observations: CameraCount[] = []): FrigateResult => ({
  valid: true,
  observations,
  rejections: [],
});
const bad = (rejection: Rejection): FrigateResult => ({
  valid: false,
  observations: [],
  rejections: [rejection],
});

/**
 * Turns Frigate's MQTT output into zone entries, exits and occupancy for people. Entries and exits
 * come from `<prefix>/events` (each track's zone set, diffed against what was last seen of it, so
 * repeated or out-of-date messages count nothing twice); occupancy from `<prefix>/<zone>/person`
 * (Frigate's own per-zone person count). Track ids stay in this object's memory: observations
 * carry counts only. Pure apart from that state: time is an argument.
 */
export class FrigateTracker {
  private readonly tracks = new Map<string, Track>();
  private readonly ended = new Set<string>();
  private readonly zoneCounts = new Map<string, number>();
  private readonly occupancy = new Map<string, number>();

  constructor(private readonly options: FrigateOptions) {}

  /** Live tracks held in memory (for tests and teardown checks). */
  get trackCount(): number {
    return this.tracks.size;
  }

  /** One `<prefix>/events` message. */
  event(payload: Uint8Array, now: number): FrigateResult {
    const json = parseJson(payload);
    if (!('ok' in json)) return bad(json);
    const root = json.value;
    if (!isRecord(root)) {
      return bad({
        reason: 'bad_event',
        detail: `payload: must be a Frigate event object {type, before, after} (got ${shapeOf(root)})`,
      });
    }
    const type = root['type'];
    if (type !== 'new' && type !== 'update' && type !== 'end') {
      return bad({
        reason: 'bad_type',
        detail: `type: must be new, update or end (got ${safeDescribe(type)})`,
      });
    }
    const after = root['after'];
    if (!isRecord(after)) {
      return bad({
        reason: 'bad_event',
        detail: `after: must be an object (got ${shapeOf(after)})`,
      });
    }
    const before = isRecord(root['before']) ? root['before'] : undefined;
    const image =
      imageField(root, '') ??
      imageField(after, 'after.') ??
      (before ? imageField(before, 'before.') : undefined);
    if (image) return bad(image);

    const label = after['label'];
    if (typeof label !== 'string') {
      return bad({
        reason: 'bad_label',
        detail: `after.label: must be a string (got ${safeDescribe(label)})`,
      });
    }
    const camera = after['camera'];
    if (typeof camera !== 'string' || camera.length === 0 || camera.length > 64) {
      return bad({
        reason: 'bad_camera',
        detail: `after.camera: must be a camera name of 1-64 characters (got ${safeDescribe(camera)})`,
      });
    }
    const id = after['id'];
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_TOKEN_LENGTH) {
      // A track id is an identifier: described, never quoted.
      return bad({
        reason: 'bad_id',
        detail: `after.id: must be a non-empty string of at most ${MAX_TOKEN_LENGTH} characters (got ${shapeOf(id)})`,
      });
    }
    const zones = zoneList(after['current_zones'], 'after.current_zones');
    if (!Array.isArray(zones)) return bad(zones);
    const beforeZones = before ? zoneList(before['current_zones'], 'before.current_zones') : [];
    if (!Array.isArray(beforeZones)) return bad(beforeZones);
    if (after['entered_zones'] !== undefined) {
      const entered = zoneList(after['entered_zones'], 'after.entered_zones');
      if (!Array.isArray(entered)) return bad(entered);
    }
    const seconds =
      type === 'end' ? (after['end_time'] ?? after['frame_time']) : after['frame_time'];
    const field = type === 'end' && after['end_time'] !== undefined ? 'end_time' : 'frame_time';
    if (
      typeof seconds !== 'number' ||
      !Number.isFinite(seconds) ||
      seconds <= 0 ||
      seconds * 1000 > MAX_EPOCH_MS
    ) {
      return bad({
        reason: 'bad_time',
        detail: `after.${field}: must be a time in epoch seconds (got ${safeDescribe(seconds)})`,
      });
    }
    const at = Math.round(seconds * 1000);
    if (at - now > this.options.maxClockSkewMs) {
      return bad({
        reason: 'clock_skew',
        detail: `after.${field}: ${new Date(at).toISOString()} is ${Math.round((at - now) / 1000)} s ahead of the hub's clock (at most ${this.options.maxClockSkewMs / 1000} s allowed)`,
      });
    }

    // Well-formed from here on: what follows decides what (if anything) it counts.
    if (label !== PERSON) return ok();
    if (this.options.cameras.size > 0 && !this.options.cameras.has(camera)) return ok();
    if (after['false_positive'] === true) return ok();
    this.evictIdle(now);
    if (this.ended.has(id)) return ok(); // late message of a finished track

    const known = this.tracks.get(id);
    if (known && at < known.at) return ok(); // out of order: a newer state is already applied
    const previous = known?.zones ?? (type === 'new' ? new Set<string>() : this.map(beforeZones));
    const current = type === 'end' ? new Set<string>() : this.map(zones);
    const observations: CameraCount[] = [];
    const sensor = this.options.sensorFromCamera ? { sensorId: camera } : {};
    for (const zone of current) {
      if (!previous.has(zone)) {
        observations.push({ kind: 'camera', ...sensor, zoneId: zone, entries: 1, exits: 0, at });
      }
    }
    for (const zone of previous) {
      if (!current.has(zone)) {
        observations.push({ kind: 'camera', ...sensor, zoneId: zone, entries: 0, exits: 1, at });
      }
    }
    if (type === 'end') {
      this.tracks.delete(id);
      this.ended.add(id);
      if (this.ended.size > MAX_ENDED) {
        this.ended.delete(this.ended.values().next().value as string);
      }
    } else {
      this.tracks.delete(id); // re-insert: the map's order is least recently updated first
      this.tracks.set(id, { zones: current, at, touched: now });
      if (this.tracks.size > MAX_TRACKS) {
        this.tracks.delete(this.tracks.keys().next().value as string);
      }
    }
    return ok(observations);
  }

  /**
   * One `<prefix>/<zone>/person` message: Frigate's count of people in that zone now. Emits the
   * Aisle zone's occupancy (the sum over the Frigate zones mapped to it) when it changed.
   */
  zoneCount(frigateZone: string, payload: Uint8Array, now: number): FrigateResult {
    const text = payload.byteLength <= 16 ? Buffer.from(payload).toString('utf8').trim() : '';
    const count = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(count) || count > MAX_COUNT) {
      return bad({
        reason: 'bad_count',
        detail: `${safeZone(frigateZone)}/person: must be a person count from 0 to ${MAX_COUNT} (got ${payload.byteLength <= 16 ? safeDescribe(text) : `${payload.byteLength} bytes`})`,
      });
    }
    const zone = this.mapOne(frigateZone);
    if (zone === undefined) return ok(); // a camera's count, or an unmapped zone
    this.zoneCounts.set(frigateZone, count);
    let total = 0;
    for (const [name, value] of this.zoneCounts) {
      if (this.mapOne(name) === zone) total += value;
    }
    total = Math.min(total, MAX_COUNT);
    if (this.occupancy.get(zone) === total) return ok();
    this.occupancy.set(zone, total);
    return ok([{ kind: 'camera', zoneId: zone, occupancy: total, at: now }]);
  }

  /** Forgets everything (teardown). */
  clear(): void {
    this.tracks.clear();
    this.ended.clear();
    this.zoneCounts.clear();
    this.occupancy.clear();
  }

  private evictIdle(now: number): void {
    for (const [id, track] of this.tracks) {
      if (now - track.touched < TRACK_IDLE_MS) break; // oldest first: the rest are newer
      this.tracks.delete(id);
    }
  }

  private map(frigateZones: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const name of frigateZones) {
      const zone = this.mapOne(name);
      if (zone !== undefined) out.add(zone);
    }
    return out;
  }

  private mapOne(frigateZone: string): string | undefined {
    const zones = this.options.zones;
    if (zones === 'identity') return ID_PATTERN.test(frigateZone) ? frigateZone : undefined;
    return zones.get(frigateZone);
  }
}

function zoneList(value: unknown, field: string): string[] | Rejection {
  if (value === undefined || value === null) return [];
  if (
    Array.isArray(value) &&
    value.length <= 256 &&
    value.every((v) => typeof v === 'string' && v.length <= 256)
  ) {
    return value as string[];
  }
  return {
    reason: 'bad_zones',
    detail: `${field}: must be a list of zone names (got ${shapeOf(value)})`,
  };
}

function safeZone(zone: string): string {
  return zone.length <= 64 && ID_PATTERN.test(zone) ? zone : `<a ${zone.length}-character zone>`;
}
