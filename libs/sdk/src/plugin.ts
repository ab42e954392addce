import type { Clock } from './clock.js';
import type { AisleEvent } from './events.js';
import type { DriverObservation, Observation } from './observation.js';
import type { Ports } from './ports.js';
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

/** What a policy module decides for one observation. */
export type GateDecision = { accept: true } | { accept: false; reason: string };

export interface PolicyContext<TConfig extends object = object> {
  storeId: string;
  config: TConfig;
  logger: PluginLogger;
  clock: Clock;
}

/**
 * A store policy module. `gate` runs for every observation, synchronously, before
 * pseudonymisation (so it must not keep or log identifiers, and must not do I/O); `onEvent` sees
 * events from the internal bus.
 */
export interface PolicyModule {
  gate?(observation: Readonly<Observation>): GateDecision;
  onEvent?(event: AisleEvent): Promise<void> | void;
  dispose?(): Promise<void> | void;
}

export interface PolicyPlugin<TConfig extends object = object> {
  kind: 'policy';
  configSchema: ClassOf<TConfig>;
  createPolicy(ctx: PolicyContext<TConfig>): PolicyModule | Promise<PolicyModule>;
}

/**
 * A store's figures as an exporter may see them: aggregates only, every one already suppressed
 * (null) when it comes from fewer than the store's k subjects. Never a per-device value.
 */
export interface StoreFigures {
  storeId: string;
  storeName: string;
  /** When the figures were read, epoch ms. */
  at: number;
  /** The store's small-cell threshold k (policy `suppression.minSubjects`). */
  k: number;
  /** People present now, for the store (`zoneId` null) and each zone; null when suppressed. */
  occupancy: { zoneId: string | null; name: string; value: number | null }[];
  /** People in / out through the entrance counters since the store's local midnight. */
  footfallInToday: number | null;
  footfallOutToday: number | null;
  /** Visitors today, devices calibrated against camera counts. */
  peopleEstimateToday: number | null;
  /** Share of visitors whose device was seen today, percent. */
  deviceSharePercent: number | null;
  /** The store's sensors (hardware, not shoppers): online, offline, or not known yet (null). */
  sensors: { sensorId: string; domain: string; available: boolean | null }[];
}

/** Read access to the hub's aggregate figures, per store. */
export interface FiguresSource {
  storeIds(): string[];
  /** Undefined when the store does not exist (any more). */
  read(storeId: string): Promise<StoreFigures | undefined>;
}

/** Everything an exporter gets from the host. */
export interface ExporterContext<TConfig extends object = object> {
  config: TConfig;
  /** Every event on the hub's bus; returns the unsubscribe function. */
  onEvent(handler: (event: AisleEvent) => void): () => void;
  figures: FiguresSource;
  /** The hub's MQTT broker; an exporter opens its own connection (e.g. with a last will). */
  brokerUrl: string;
  logger: PluginLogger;
  clock: Clock;
  /** Aborted when the plugin is unloaded or the hub shuts down. */
  signal: AbortSignal;
  status: AvailabilityReporter;
}

/** Reads events and aggregates and writes them somewhere (Home Assistant, a file, a warehouse). */
export interface Exporter<TConfig extends object = object> {
  setup(ctx: ExporterContext<TConfig>): Promise<void> | void;
  /** Stops everything `setup` started; must be safe to call after a failed setup. */
  teardown(): Promise<void> | void;
}

export interface ExporterPlugin<TConfig extends object = object> {
  kind: 'exporter';
  configSchema: ClassOf<TConfig>;
  createExporter(): Exporter<TConfig>;
}

export type AislePlugin = DriverPlugin<object> | PolicyPlugin<object> | ExporterPlugin<object>;

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

export function defineExporter<TConfig extends object>(
  plugin: Omit<ExporterPlugin<TConfig>, 'kind'>,
): ExporterPlugin<TConfig> {
  return { kind: 'exporter', ...plugin };
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
  if (p['kind'] === 'exporter') {
    return typeof p['createExporter'] === 'function'
      ? (candidate as AislePlugin)
      : 'an exporter plugin must have createExporter()';
  }
  return `plugin.kind must be "driver", "policy" or "exporter" (got ${JSON.stringify(p['kind'])})`;
}
