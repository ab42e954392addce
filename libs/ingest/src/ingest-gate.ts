import {
  isValidRssi,
  InvalidInputError,
  MAX_BEACON_ID_LENGTH,
  MAX_CHANNEL,
  MAX_COUNT,
  MAX_ID_LENGTH,
  MAX_RSSI_DBM,
  MAX_SEQ,
  MAX_TOKEN_LENGTH,
  MIN_RSSI_DBM,
  describeValue,
  isLocallyAdministered,
  isMulticast,
  normaliseMac,
  redactMacs,
  type BleObservation,
  type CameraObservation,
  type CameraSighting,
  type Clock,
  type FieldError,
  type Observation,
  type PolicyModule,
  type RadioSighting,
  type SensorKind,
  type Sighting,
  type WifiObservation,
} from '@aisle/sdk';
import type { PseudonymKeyring } from './keyring.js';
import { pseudonym } from './pseudonymise.js';
import type { TrackingPolicy } from './tracking-policy.js';

/** Every reason the gate drops an observation for (metric label values, pre-registered). */
export const DROP_REASONS = [
  /** Malformed observation; the result carries an InvalidInputError naming the fields. */
  'invalid_observation',
  /** No tracking policy for the store id: the store is not configured here. */
  'unknown_store',
  /** The store's policy mode is `off`. */
  'tracking_off',
  /** The sensor kind is not in the policy's `allowedKinds`. */
  'kind_not_allowed',
  /** Radio signal weaker than the policy's `minRssi`. */
  'below_min_rssi',
  /** Randomised address while the policy has `ignoreRandomizedMacs`. */
  'randomized_mac',
  /** Stamped further into the future than the policy's `maxClockSkewSeconds`. */
  'clock_skew',
  /** A policy module rejected it (the module's own reason is in `detail`). */
  'policy_rejected',
  /** A policy module (or the policy lookup) threw or answered nonsense. */
  'policy_error',
  /** The key of the observation's period is destroyed (too late) or not creatable (too early). */
  'key_expired',
  /** A bug in the gate or a hostile input object (a throwing getter): never thrown to the caller. */
  'internal_error',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export type GateResult =
  | {
      ok: true;
      sighting: Sighting;
      /**
       * Whether the sighting may be stored. False for radio sightings in `count-only` and
       * `consented` mode (anonymous devices are never linked there: only members, through their
       * own app, are). Camera counts are kept in every mode, without a track pseudonym outside
       * `in-visit`.
       */
      retainDevice: boolean;
    }
  | {
      ok: false;
      reason: DropReason;
      /** For `invalid_observation`: every bad field, identifiers described, never echoed. */
      error?: InvalidInputError;
      /** For `policy_rejected`: the module's reason (redacted, at most 64 characters). */
      detail?: string;
    };

export interface GateMetrics {
  accepted(storeId: string, kind: SensorKind): void;
  /** `storeId` only for configured stores, so junk store ids cannot blow up label cardinality. */
  dropped(reason: DropReason, storeId: string | undefined): void;
}

export interface IngestGateOptions {
  keyring: Pick<PseudonymKeyring, 'keyFor'>;
  /** The store's validated tracking policy, or undefined for a store this hub does not serve. */
  policyFor: (storeId: string) => TrackingPolicy | undefined;
  /** The store's policy modules, asked in order; the first rejection wins. */
  modulesFor?: (storeId: string) => readonly PolicyModule[];
  clock: Clock;
  metrics?: GateMetrics;
}

const MAX_DETAIL_LENGTH = 64;

const INVALID = 'invalid_observation';

/**
 * The problems of the observation being parsed: one list, emptied per observation (`process` is
 * synchronous and reads it before it returns), not one per observation.
 */
const PROBLEMS: Problem[] = [];

interface Problem {
  field: string;
  value: unknown;
  message: string;
  /** Raw identifier: its value is described by shape, never echoed. */
  identifier?: boolean;
}

type Parsed =
  | {
      radio: true;
      observation: WifiObservation | BleObservation;
      /** Normalised identifier to pseudonymise, and what it is. */
      subject: string;
      namespace: 'wifi' | 'ble' | 'beacon';
      randomized: boolean;
    }
  | { radio: false; observation: CameraObservation };

/**
 * The ingest gate: validates an observation, applies the store's tracking policy and policy
 * modules, and replaces every raw identifier by a keyed pseudonym. Synchronous, no I/O, never
 * throws: every input ends as a sighting or a counted drop reason.
 */
export class IngestGate {
  constructor(private readonly options: IngestGateOptions) {}

  /**
   * `storeId`/`sensorId`, when given, stand for the input's fields of those names (validated the
   * same way): the plugin host passes its sensor's identity beside the driver's object instead of
   * copying the object to add them. The input is only read, never kept or changed.
   */
  process(input: unknown, storeId?: string, sensorId?: string): GateResult {
    let storeLabel: string | undefined;
    try {
      const problems = PROBLEMS;
      problems.length = 0;
      const parsed = parse(input, problems, storeId, sensorId);
      if (!parsed) {
        return this.drop(
          INVALID,
          this.configuredStore(storeId ?? (input as { storeId?: unknown } | null)?.storeId),
          invalidObservation(problems),
        );
      }
      const observation = parsed.observation;
      const store = observation.storeId;
      let policy: TrackingPolicy | undefined;
      let modules: readonly PolicyModule[];
      try {
        policy = this.options.policyFor(store);
        modules = policy ? (this.options.modulesFor?.(store) ?? []) : [];
      } catch {
        return this.drop('policy_error', undefined);
      }
      if (!policy) {
        return this.drop('unknown_store', undefined);
      }
      storeLabel = store;
      const broken = this.applyPolicy(policy, parsed);
      if (broken !== undefined) {
        return this.drop(broken, storeLabel);
      }
      if (modules.length > 0) {
        const rejection = askModules(modules, Object.freeze(observation));
        if (rejection === 'policy_error') {
          return this.drop('policy_error', storeLabel);
        }
        if (rejection !== undefined) {
          return this.drop('policy_rejected', storeLabel, undefined, rejection.detail);
        }
      }
      const key = this.options.keyring.keyFor(store, observation.at, policy.rotationHours);
      if (!key) {
        return this.drop('key_expired', storeLabel);
      }
      const sighting = toSighting(parsed, key.key, key.period);
      const metrics = this.options.metrics;
      if (metrics) {
        try {
          metrics.accepted(store, observation.kind);
        } catch {
          // Metrics are best effort.
        }
      }
      if (policy.mode === 'in-visit') return { ok: true, sighting, retainDevice: true };
      if (sighting.kind !== 'camera') return { ok: true, sighting, retainDevice: false };
      // A count is not per-device data; the track pseudonym is, and it goes.
      delete sighting.subject;
      return { ok: true, sighting, retainDevice: true };
    } catch {
      // Never echo the caught error: it may quote the input.
      return this.drop('internal_error', storeLabel);
    }
  }

  /** The input's store id when it is a store this gate serves (a metric label), else undefined. */
  private configuredStore(storeId: unknown): string | undefined {
    try {
      return typeof storeId === 'string' && this.options.policyFor(storeId) !== undefined
        ? storeId
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** The first tracking-policy rule the observation breaks, or undefined. */
  private applyPolicy(policy: TrackingPolicy, parsed: Parsed): DropReason | undefined {
    if (policy.mode === 'off') {
      return 'tracking_off';
    }
    if (!policy.allowedKinds.includes(parsed.observation.kind)) {
      return 'kind_not_allowed';
    }
    if (parsed.radio) {
      if (policy.minRssi !== undefined && parsed.observation.rssi < policy.minRssi) {
        return 'below_min_rssi';
      }
      // A beacon's identity does not change with its (often random) address: only devices count.
      if (policy.ignoreRandomizedMacs && parsed.randomized && parsed.namespace !== 'beacon') {
        return 'randomized_mac';
      }
    }
    if (parsed.observation.at - this.options.clock.now() > policy.maxClockSkewSeconds * 1000) {
      return 'clock_skew';
    }
    return undefined;
  }

  private drop(
    reason: DropReason,
    storeId: string | undefined,
    error?: InvalidInputError,
    detail?: string,
  ): GateResult {
    this.count(() => this.options.metrics?.dropped(reason, storeId));
    const result: GateResult = { ok: false, reason };
    if (error) {
      result.error = error;
    }
    if (detail !== undefined) {
      result.detail = detail;
    }
    return result;
  }

  /** A failing metrics sink must not cost an observation. */
  private count(record: () => void): void {
    try {
      record();
    } catch {
      // Metrics are best effort.
    }
  }
}

/** 'policy_error', a rejection with the module's (redacted) reason, or undefined when all accept. */
function askModules(
  modules: readonly PolicyModule[],
  observation: Readonly<Observation>,
): 'policy_error' | { detail: string } | undefined {
  for (const module of modules) {
    // Third-party code: anything it does (throw, answer nonsense, throwing getters) is its error.
    try {
      if (!module.gate) {
        continue;
      }
      const decision: unknown = module.gate(observation);
      if (decision === null || typeof decision !== 'object') {
        return 'policy_error';
      }
      const { accept, reason } = decision as { accept?: unknown; reason?: unknown };
      if (accept === false) {
        const detail = typeof reason === 'string' ? redactMacs(reason) : '';
        return { detail: detail.slice(0, MAX_DETAIL_LENGTH) };
      }
      if (accept !== true) {
        return 'policy_error';
      }
    } catch {
      return 'policy_error';
    }
  }
  return undefined;
}

function toSighting(parsed: Parsed, key: Buffer, period: number): Sighting {
  if (!parsed.radio) {
    const o = parsed.observation;
    const sighting: CameraSighting = {
      storeId: o.storeId,
      sensorId: o.sensorId,
      at: o.at,
      period,
      kind: 'camera',
    };
    if (o.lineId !== undefined) {
      sighting.lineId = o.lineId;
    }
    if (o.zoneId !== undefined) {
      sighting.zoneId = o.zoneId;
    }
    if (o.entries !== undefined) {
      sighting.entries = o.entries;
    }
    if (o.exits !== undefined) {
      sighting.exits = o.exits;
    }
    if (o.occupancy !== undefined) {
      sighting.occupancy = o.occupancy;
    }
    if (o.intervalStart !== undefined) {
      sighting.intervalStart = o.intervalStart;
    }
    if (o.trackId !== undefined) {
      // Track ids are only unique per camera: scope them by sensor (length-prefixed, unambiguous).
      sighting.subject = pseudonym(key, 'track', `${o.sensorId.length}:${o.sensorId}/${o.trackId}`);
    }
    return sighting;
  }
  const o = parsed.observation;
  const sighting: RadioSighting = {
    storeId: o.storeId,
    sensorId: o.sensorId,
    at: o.at,
    period,
    kind: o.kind,
    subject: pseudonym(key, parsed.namespace, parsed.subject),
    rssi: o.rssi,
    randomized: parsed.randomized,
  };
  if (o.kind === 'wifi') {
    if (o.channel !== undefined) {
      sighting.channel = o.channel;
    }
    if (o.seq !== undefined) {
      sighting.seq = o.seq;
    }
    if (o.fingerprint !== undefined) {
      // Keyed like the subject: equal within one key period only, meaningless after rotation.
      sighting.fingerprint = pseudonym(key, 'fp', o.fingerprint);
    }
  } else {
    if (parsed.namespace === 'beacon') {
      sighting.beacon = true;
    }
    if (o.txPower !== undefined) {
      sighting.txPower = o.txPower;
    }
    if (o.reference !== undefined) {
      sighting.reference = o.reference;
    }
  }
  return sighting;
}

// ---------------------------------------------------------------------------------------------
// Validation, by hand: it runs for every observation, so it is plain type checks, no reflection.

/**
 * A validated copy of the observation holding only known fields, with MAC-like identifiers
 * normalised (12 lower-case hex digits) and beacon ids lower-cased; or null with `problems` filled.
 */
function parse(
  input: unknown,
  problems: Problem[],
  storeIdGiven: string | undefined,
  sensorIdGiven: string | undefined,
): Parsed | null {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problems.push({ field: '(root)', value: input, message: 'must be an observation object' });
    return null;
  }
  const raw = input as Record<string, unknown>;
  const storeId = idString(raw, 'storeId', problems, true, storeIdGiven);
  const sensorId = idString(raw, 'sensorId', problems, true, sensorIdGiven);
  const at = raw['at'];
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    problems.push({ field: 'at', value: at, message: 'must be a finite number (epoch ms)' });
  }
  const kind = raw['kind'];
  switch (kind) {
    case 'wifi':
      return finish(parseWifi(raw, problems), storeId, sensorId, at, problems);
    case 'ble':
      return finish(parseBle(raw, problems), storeId, sensorId, at, problems);
    case 'camera':
      return finish(parseCamera(raw, problems), storeId, sensorId, at, problems);
    default:
      problems.push({ field: 'kind', value: kind, message: 'must be one of wifi, ble, camera' });
      return null;
  }
}

/** Adds the common fields to a kind-specific result, or null when any field was bad. */
function finish(
  partial: Parsed | null,
  storeId: string | undefined,
  sensorId: string | undefined,
  at: unknown,
  problems: readonly Problem[],
): Parsed | null {
  if (!partial || problems.length > 0 || storeId === undefined || sensorId === undefined) {
    return null;
  }
  partial.observation.storeId = storeId;
  partial.observation.sensorId = sensorId;
  partial.observation.at = at as number;
  return partial;
}

function parseWifi(raw: Record<string, unknown>, problems: Problem[]): Parsed | null {
  const value = raw['mac'];
  const mac = typeof value === 'string' ? normaliseMac(value) : null;
  if (mac === null) {
    problems.push({ field: 'mac', value, message: 'must be a MAC address', identifier: true });
  } else if (isMulticast(mac)) {
    problems.push({
      field: 'mac',
      value,
      message: 'must be a device (unicast) address, not multicast or broadcast',
      identifier: true,
    });
  }
  const rssi = signal(raw, 'rssi', problems, true);
  const channel = integer(raw, 'channel', 1, MAX_CHANNEL, problems);
  const seq = integer(raw, 'seq', 0, MAX_SEQ, problems);
  const fingerprint = token(raw, 'fingerprint', MAX_TOKEN_LENGTH, problems);
  if (mac === null || rssi === undefined) {
    return null;
  }
  const observation: WifiObservation = {
    storeId: '',
    sensorId: '',
    at: 0,
    kind: 'wifi',
    mac,
    rssi,
  };
  if (channel !== undefined) {
    observation.channel = channel;
  }
  if (seq !== undefined) {
    observation.seq = seq;
  }
  if (fingerprint !== undefined) {
    observation.fingerprint = fingerprint;
  }
  return {
    radio: true,
    observation,
    subject: mac,
    namespace: 'wifi',
    randomized: isLocallyAdministered(mac),
  };
}

function parseBle(raw: Record<string, unknown>, problems: Problem[]): Parsed | null {
  const rawAddress = raw['address'];
  let address: string | undefined;
  if (rawAddress !== undefined) {
    address = (typeof rawAddress === 'string' ? normaliseMac(rawAddress) : null) ?? undefined;
    if (address === undefined) {
      problems.push({
        field: 'address',
        value: rawAddress,
        message: 'must be a BLE device address (6 bytes in MAC notation)',
        identifier: true,
      });
    }
  }
  const beaconId = token(raw, 'beaconId', MAX_BEACON_ID_LENGTH, problems)?.toLowerCase();
  if (rawAddress === undefined && raw['beaconId'] === undefined) {
    problems.push({
      field: 'address',
      value: undefined,
      message: 'is required when there is no beaconId',
    });
  }
  const rssi = signal(raw, 'rssi', problems, true);
  const txPower = signal(raw, 'txPower', problems, false);
  const addressType = raw['addressType'];
  if (addressType !== undefined && addressType !== 'public' && addressType !== 'random') {
    problems.push({
      field: 'addressType',
      value: addressType,
      message: 'must be public or random',
    });
  }
  const reference = referencePosition(raw, beaconId, problems);
  const subject = beaconId ?? address;
  if (subject === undefined || rssi === undefined) {
    return null;
  }
  const observation: BleObservation = { storeId: '', sensorId: '', at: 0, kind: 'ble', rssi };
  if (address !== undefined) {
    observation.address = address;
  }
  if (beaconId !== undefined) {
    observation.beaconId = beaconId;
  }
  if (txPower !== undefined) {
    observation.txPower = txPower;
  }
  if (addressType === 'public' || addressType === 'random') {
    observation.addressType = addressType;
  }
  if (reference !== undefined) {
    observation.reference = reference;
  }
  return {
    radio: true,
    observation,
    // A beacon identity is stable where its address may rotate: it is the better subject.
    subject,
    namespace: beaconId !== undefined ? 'beacon' : 'ble',
    randomized:
      addressType === 'random' || (address !== undefined && isLocallyAdministered(address)),
  };
}

/** A reference beacon's known position: only with a beaconId, three finite coordinates. */
function referencePosition(
  raw: Record<string, unknown>,
  beaconId: string | undefined,
  problems: Problem[],
): { x: number; y: number; z: number } | undefined {
  const value = raw['reference'];
  if (value === undefined) {
    return undefined;
  }
  const position = value as Record<string, unknown> | null;
  const coordinates = ['x', 'y', 'z'].map((axis) =>
    position !== null && typeof position === 'object' ? position[axis] : undefined,
  );
  if (!coordinates.every((c) => typeof c === 'number' && Number.isFinite(c))) {
    problems.push({
      field: 'reference',
      value,
      message: 'must be a position {x, y, z} of finite numbers (metres)',
    });
    return undefined;
  }
  if (beaconId === undefined) {
    problems.push({ field: 'reference', value, message: 'is only allowed with a beaconId' });
    return undefined;
  }
  const [x, y, z] = coordinates as [number, number, number];
  return { x, y, z };
}

function parseCamera(raw: Record<string, unknown>, problems: Problem[]): Parsed | null {
  const lineId = idString(raw, 'lineId', problems, false);
  const zoneId = idString(raw, 'zoneId', problems, false);
  const entries = integer(raw, 'entries', 0, MAX_COUNT, problems);
  const exits = integer(raw, 'exits', 0, MAX_COUNT, problems);
  const occupancy = integer(raw, 'occupancy', 0, MAX_COUNT, problems);
  if (
    raw['entries'] === undefined &&
    raw['exits'] === undefined &&
    raw['occupancy'] === undefined
  ) {
    problems.push({
      field: 'entries',
      value: undefined,
      message: 'at least one of entries, exits or occupancy is required',
    });
  }
  const intervalStart = raw['intervalStart'];
  if (intervalStart !== undefined) {
    const at = raw['at'];
    if (typeof intervalStart !== 'number' || !Number.isFinite(intervalStart)) {
      problems.push({
        field: 'intervalStart',
        value: intervalStart,
        message: 'must be a finite number (epoch ms)',
      });
    } else if (typeof at === 'number' && intervalStart > at) {
      problems.push({
        field: 'intervalStart',
        value: intervalStart,
        message: 'must not be after at',
      });
    }
  }
  const trackId = token(raw, 'trackId', MAX_TOKEN_LENGTH, problems);
  const observation: CameraObservation = { storeId: '', sensorId: '', at: 0, kind: 'camera' };
  if (lineId !== undefined) {
    observation.lineId = lineId;
  }
  if (zoneId !== undefined) {
    observation.zoneId = zoneId;
  }
  if (entries !== undefined) {
    observation.entries = entries;
  }
  if (exits !== undefined) {
    observation.exits = exits;
  }
  if (occupancy !== undefined) {
    observation.occupancy = occupancy;
  }
  if (typeof intervalStart === 'number') {
    observation.intervalStart = intervalStart;
  }
  if (trackId !== undefined) {
    observation.trackId = trackId;
  }
  return { radio: false, observation };
}

/**
 * A configured id (store, sensor, line, zone): 1..64 characters, and not a MAC address. Drivers may
 * set `sensorId`; one that put a device's MAC there would otherwise copy it into every sighting.
 * (Ids that merely contain a hardware serial, like `esp32-a4cf12345678`, are fine.)
 */
function idString(
  raw: Record<string, unknown>,
  field: string,
  problems: Problem[],
  required: boolean,
  given?: string,
): string | undefined {
  const value = given ?? raw[field];
  if (value === undefined && !required) {
    return undefined;
  }
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH) {
    // Every MAC notation is at least 12 characters: short ids skip the regexes.
    if (value.length < 12 || normaliseMac(value) === null) {
      return value;
    }
    problems.push({ field, value, message: 'must not be a MAC address', identifier: true });
    return undefined;
  }
  problems.push({
    field,
    value,
    message: `must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
  });
  return undefined;
}

/** An optional identifier-like string (beacon id, track id, fingerprint): never echoed. */
function token(
  raw: Record<string, unknown>,
  field: string,
  maxLength: number,
  problems: Problem[],
): string | undefined {
  const value = raw[field];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'string' && value.length > 0 && value.length <= maxLength) {
    return value;
  }
  problems.push({
    field,
    value,
    message: `must be a non-empty string of at most ${maxLength} characters`,
    identifier: true,
  });
  return undefined;
}

/** A signal level in dBm (RSSI, txPower); fractional values (averaged RSSI) are kept. */
function signal(
  raw: Record<string, unknown>,
  field: string,
  problems: Problem[],
  required: boolean,
): number | undefined {
  const value = raw[field];
  if (value === undefined && !required) {
    return undefined;
  }
  if (isValidRssi(value)) {
    return value;
  }
  problems.push({
    field,
    value,
    message: `must be a number from ${MIN_RSSI_DBM} to ${MAX_RSSI_DBM} (dBm)`,
  });
  return undefined;
}

/** An optional integer in [min, max]. */
function integer(
  raw: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  problems: Problem[],
): number | undefined {
  const value = raw[field];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
    return value;
  }
  problems.push({ field, value, message: `must be an integer from ${min} to ${max}` });
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Errors that never quote a raw identifier.

function invalidObservation(problems: readonly Problem[]): InvalidInputError {
  const fields: FieldError[] = problems.map((p) => ({
    field: p.field,
    value: p.identifier ? shapeOf(p.value) : safeValue(p.value),
    message: p.message,
  }));
  const error = new InvalidInputError(INVALID, fields);
  // The SDK's format quotes string values; a shape description reads better unquoted.
  error.message = redactMacs(
    problems
      .map((p, i) => {
        const got =
          p.identifier || (typeof p.value !== 'string' && typeof fields[i]?.value === 'string')
            ? shapeOf(p.value) // structures are described, not quoted
            : typeof p.value === 'number'
              ? String(p.value) // NaN and Infinity, which JSON would show as null
              : describeValue(fields[i]?.value);
        return `${p.field}: ${p.message} (got ${got})`;
      })
      .join('; '),
  );
  return error;
}

/** What a value looks like, without any of its content: `a 17-character string`, `an object`. */
function shapeOf(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'string') {
    return value.length === 0 ? 'an empty string' : `a ${value.length}-character string`;
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/**
 * A non-identifier value as it may appear in an error: MAC-like text redacted (a driver may have
 * put an address in the wrong field), long strings cut, structures described by shape only.
 */
function safeValue(value: unknown): unknown {
  if (typeof value === 'string') {
    const redacted = redactMacs(value);
    return redacted.length > 80 ? `${redacted.slice(0, 77)}...` : redacted;
  }
  if (
    value === undefined ||
    value === null ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  return shapeOf(value);
}
