import type { Clock } from './clock.js';
import type { AisleEvent } from './events.js';
import type { DriverObservation, Observation } from './observation.js';
import type { Ports } from './ports.js';
import type { PositionUpdate } from './position.js';
import type { ClassOf } from './validation.js';

/** Structured logger; the host redacts anything that looks like a MAC address before writing. */
export interface PluginLogger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

export interface SensorInfo {
  id: string;
  storeId: string;
  /** Position in the store's floor-plan frame, metres. */
  position: { x: number; y: number; z: number };
}

/** Reports the driver's health; the hub shows it in /health and `aisle_plugin_status`. */
export interface AvailabilityReporter {
  available(): void;
  unavailable(reason: string): void;
}

/** Everything a driver gets from the host. Nothing else of the hub is reachable from a plugin. */
export interface DriverContext<TConfig extends object = object> {
  /** The sensor this driver instance serves. */
  sensor: SensorInfo;
  /** The sensor's plugin configuration, validated against the plugin's `configSchema`. */
  config: TConfig;
  /** Hands an observation to the ingest gate. Never throws; invalid input is counted and dropped. */
  emit(observation: DriverObservation): void;
  /** Reports a malformed input message (counted by reason, logged once per reason and minute). */
  reject(reason: string, detail: string): void;
  logger: PluginLogger;
  clock: Clock;
  /** Aborted when the plugin is unloaded or the hub shuts down. */
  signal: AbortSignal;
  /** Only the ports declared in the manifest are present. */
  ports: Ports;
  status: AvailabilityReporter;
}

/** One instance per configured sensor. */
export interface Driver<TConfig extends object = object> {
  /**
   * Starts listening. Throw `PluginConfigError` for a hopeless configuration, `PluginNotReadyError`
   * when the hardware is absent (the host retries with back-off).
   */
  setup(ctx: DriverContext<TConfig>): Promise<void> | void;
  /** Stops everything `setup` started; must be safe to call after a failed setup. */
  teardown(): Promise<void> | void;
}

/** What an offline decoder gets: the same ports a driver would, a way to report bad input, progress. */
export interface DecodeContext {
  /** The hub's hardware adapters (`frames` reads capture files). */
  ports: Ports;
  /** Reports a malformed record; decoding goes on with the next one. */
  reject(reason: string, detail: string): void;
  /** Reports how far the decoder is through its input (bytes or records), for a progress bar. */
  progress(done: number, total: number): void;
  signal: AbortSignal;
}

/**
 * An offline decoder of a recorded input (`aisle decode --format <name> <file>`): the plugin's own
 * parser applied to a file, yielding what the live driver would emit. Observations keep `at` from
 * the recording; `sensorId` is set when the recording names its sensor.
 */
export interface FileDecoder {
  /** One line for `aisle decode --help`. */
  description: string;
  decode(file: string, ctx: DecodeContext): AsyncIterable<DriverObservation>;
}

export interface DriverPlugin<TConfig extends object = object> {
  kind: 'driver';
  /** class-validator class; property initialisers are the defaults. */
  configSchema: ClassOf<TConfig>;
  createDriver(): Driver<TConfig>;
  /** Offline decoders by format name (`pcap`, `esp32`, `frigate`…), unique across plugins. */
  decoders?: Readonly<Record<string, FileDecoder>>;
}

/**
 * What a policy module decides for one item (an observation, a position, an event, an offer). The
 * only answers the host accepts: let it through, or restrict it with a short reason. Anything else
 * (a changed copy of the item, a promise, extra fields) is not a verdict: the host counts it as a
 * module error and restricts the item (fail closed). A module can never add to what flows on.
 */
export type GateDecision = { accept: true } | { accept: false; reason: string };

/** A zone of the store as a policy module sees it: its id and tags (`staff-only`, `sensitive`). */
export interface PolicyZone {
  readonly id: string;
  readonly tags: readonly string[];
}

/**
 * An offer the hub is about to make to a loyalty member (who has marketing consent and reported
 * presence through their own app). No member identifier: a module decides on the offer alone.
 */
export interface OfferCandidate {
  storeId: string;
  ruleId: string;
  /** Zone the member's app reported, or null. */
  zoneId: string | null;
  title: string;
  /** Epoch ms. */
  at: number;
}

export interface PolicyContext<TConfig extends object = object> {
  storeId: string;
  /** The module's configuration from the store policy (`modules[].config`), validated. */
  config: TConfig;
  /** The store's zones when the module was created (modules are re-created when they change). */
  zones: readonly PolicyZone[];
  /** The store's IANA time zone (`Europe/Paris`). */
  timezone: string;
  logger: PluginLogger;
  clock: Clock;
}

/**
 * A store policy module. It may only RESTRICT: every hook answers a {@link GateDecision} about an
 * item the host already allows, and the host passes frozen copies, so a module can drop an
 * observation (`gate`, before pseudonymisation: it must not keep or log identifiers and must not
 * do I/O), drop a position (`position`), suppress an event from leaving the hub (`event`), or veto
 * an offer (`offer`) — never add identifiers, change an item, or let through what the hub's own
 * rules dropped. Hooks are synchronous; `onEvent` observes the events of the module's store (it
 * is time-boxed and its errors are counted, never propagated).
 */
export interface PolicyModule {
  gate?(observation: Readonly<Observation>): GateDecision;
  position?(position: Readonly<PositionUpdate>): GateDecision;
  event?(event: Readonly<AisleEvent>): GateDecision;
  offer?(offer: Readonly<OfferCandidate>): GateDecision;
  onEvent?(event: Readonly<AisleEvent>): Promise<void> | void;
  dispose?(): Promise<void> | void;
}

export interface PolicyPlugin<TConfig extends object = object> {
  kind: 'policy';
  configSchema: ClassOf<TConfig>;
  createPolicy(ctx: PolicyContext<TConfig>): PolicyModule | Promise<PolicyModule>;
}

export type AislePlugin = DriverPlugin<object> | PolicyPlugin<object>;

/** Typed helper for a plugin entry: `export default defineDriver({ configSchema, createDriver })`. */
export function defineDriver<TConfig extends object>(
  plugin: Omit<DriverPlugin<TConfig>, 'kind'>,
): DriverPlugin<TConfig> {
  return { kind: 'driver', ...plugin };
}

export function definePolicy<TConfig extends object>(
  plugin: Omit<PolicyPlugin<TConfig>, 'kind'>,
): PolicyPlugin<TConfig> {
  return { kind: 'policy', ...plugin };
}

/** Narrows an unknown module export to a plugin, or explains why it is not one. */
export function asPlugin(candidate: unknown): AislePlugin | string {
  if (candidate === null || typeof candidate !== 'object') {
    return 'the entry must export a plugin object as default';
  }
  const p = candidate as Record<string, unknown>;
  if (typeof p['configSchema'] !== 'function') return 'plugin.configSchema must be a class';
  if (p['kind'] === 'driver') {
    return typeof p['createDriver'] === 'function'
      ? (candidate as AislePlugin)
      : 'a driver plugin must have createDriver()';
  }
  if (p['kind'] === 'policy') {
    return typeof p['createPolicy'] === 'function'
      ? (candidate as AislePlugin)
      : 'a policy plugin must have createPolicy()';
  }
  return `plugin.kind must be "driver" or "policy" (got ${JSON.stringify(p['kind'])})`;
}
