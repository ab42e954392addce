import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  formatFieldErrors,
  redactMacs,
  scrubSecrets,
  secretFields,
  secretValues,
  validatePlain,
  validateConfig,
  type AislePlugin,
  type Clock,
  type Driver,
  type DriverContext,
  type DriverObservation,
  type Exporter,
  type ExporterContext,
  type FieldError,
  type FiguresSource,
  type PluginLogger,
  type PluginManifest,
  type PolicyPlugin,
  type Ports,
  type SensorInfo,
  type TimerHandle,
} from '@aisle/sdk';
import type { EventBus } from '../events/event-bus.js';
import { pluginLogger } from '../logging/aisle-logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { PluginCatalog } from './plugin-catalog.js';
import type { DiscoveredPlugin } from './plugin-discovery.js';
import { loadPlugin } from './plugin-loader.js';

/** First retry of a "not ready" setup; doubles each time. */
export const RETRY_INITIAL_MS = 1_000;
/** Longest wait between retries: five minutes keeps a missing adapter from spamming the log. */
export const RETRY_MAX_MS = 300_000;
/** A setup that has not finished by then is abandoned and retried (a hung device must not block). */
export const SETUP_TIMEOUT_MS = 30_000;
/** Rejection reasons are metric labels: bounded, snake_case, never free text that could hold an id. */
const REASON_LABEL = /^[a-z][a-z0-9_]{0,39}$/;

export interface PluginState {
  domain: string;
  name: string;
  version: string;
  kind: string;
  /** Kinds of sensors the plugin drives (from its manifest). */
  sensorKinds: string[];
  dir: string;
  status: 'loaded' | 'failed';
  error?: string;
}

export interface SensorRecord {
  storeId: string;
  id: string;
  domain: string;
  x: number;
  y: number;
  z: number;
  config: Record<string, unknown>;
  enabled: boolean;
}

export interface DriverInstanceState {
  storeId: string;
  sensorId: string;
  domain: string;
  status: 'starting' | 'running' | 'retrying' | 'failed' | 'stopped';
  available: boolean | null;
  reason?: string;
  error?: string;
  attempts: number;
  nextRetryAt?: number;
}

export interface ExporterState {
  domain: string;
  status: 'running' | 'failed' | 'stopped';
  available: boolean | null;
  reason?: string;
  error?: string;
}

interface ExporterInstance {
  domain: string;
  state: ExporterState;
  exporter?: Exporter<object>;
  abort: AbortController;
  unsubscribe: (() => void)[];
}

interface LoadedPlugin {
  manifest: PluginManifest;
  dir: string;
  plugin?: AislePlugin;
  state: PluginState;
}

interface Instance {
  key: string;
  sensor: SensorRecord;
  configHash: string;
  state: DriverInstanceState;
  driver?: Driver<object>;
  abort?: AbortController;
  retryTimer?: TimerHandle;
  cleanup: (() => Promise<void> | void)[];
  /** Values of the config's `@Secret()` fields: scrubbed from whatever the driver says. */
  secrets: string[];
}

export interface PluginHostDeps {
  logger: Logger;
  clock: Clock;
  metrics: HubMetrics;
  events: EventBus;
  /**
   * Where every emitted observation goes (the ingest gate), with the sensor's store and id beside
   * it (they take precedence over the object's own fields). The driver's object is passed as is:
   * the sink reads it synchronously and must not keep or change it. Must not throw.
   */
  sink: (observation: DriverObservation, storeId: string, sensorId: string) => void;
  /** Builds the declared ports for one driver instance; returned cleanups run at teardown. */
  ports: (
    manifest: PluginManifest,
    sensor: SensorRecord,
  ) => { ports: Ports; cleanup: () => Promise<void> | void };
  /** Load `src/index.ts` instead of the built entry when present (tests run TypeScript directly). */
  preferSource?: boolean;
}

/** What exporters read from the later stages (given when they start, not when plugins load). */
export interface ExporterSources {
  /** Aggregate figures per store, suppressed at each store's k. */
  figures: FiguresSource;
  /** The hub's broker. */
  brokerUrl: string;
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** Error text from plugins is shown in the API and logs: raw MACs are redacted first. */
function message(error: unknown): string {
  return redactMacs(error instanceof Error ? error.message : String(error));
}

/**
 * Loads plugins and runs one driver instance per configured sensor. A plugin that fails validation
 * or loading is marked failed with its error; a driver whose setup throws `PluginConfigError` (or
 * anything unexpected) is marked failed, one that throws `PluginNotReadyError` is retried with
 * exponential back-off. Nothing a plugin does can stop the hub.
 */
export class PluginHost implements PluginCatalog {
  private readonly plugins = new Map<string, LoadedPlugin>();
  private readonly instances = new Map<string, Instance>();
  private readonly exporters = new Map<string, ExporterInstance>();
  private stopping = false;

  constructor(private readonly deps: PluginHostDeps) {}

  async load(discovered: readonly DiscoveredPlugin[]): Promise<void> {
    for (const found of discovered) {
      const { manifest } = found;
      const state: PluginState = {
        domain: manifest.domain,
        name: typeof manifest.name === 'string' ? manifest.name : manifest.domain,
        version: typeof manifest.version === 'string' ? manifest.version : '?',
        kind: typeof manifest.kind === 'string' ? manifest.kind : '?',
        sensorKinds: Array.isArray(manifest.sensorKinds) ? [...manifest.sensorKinds] : [],
        dir: found.dir,
        status: 'failed',
      };
      const loaded: LoadedPlugin = { manifest, dir: found.dir, state };
      this.plugins.set(manifest.domain, loaded);
      if (found.errors.length > 0) {
        this.fail(loaded, `invalid manifest: ${formatFieldErrors(found.errors)}`);
        continue;
      }
      try {
        const plugin = await loadPlugin(found, { preferSource: this.deps.preferSource ?? false });
        loaded.plugin = plugin;
        state.status = 'loaded';
        this.deps.metrics.pluginStatus.labels(manifest.domain, 'loaded').set(1);
        this.deps.metrics.pluginStatus.labels(manifest.domain, 'failed').set(0);
        this.deps.logger.info(
          { plugin: manifest.domain, version: manifest.version },
          'plugin loaded',
        );
      } catch (error) {
        this.fail(loaded, `failed to load: ${message(error)}`);
      }
    }
  }

  private fail(loaded: LoadedPlugin, error: string): void {
    loaded.state.status = 'failed';
    loaded.state.error = error;
    this.deps.metrics.pluginStatus.labels(loaded.manifest.domain, 'loaded').set(0);
    this.deps.metrics.pluginStatus.labels(loaded.manifest.domain, 'failed').set(1);
    this.deps.logger.error({ plugin: loaded.manifest.domain }, error);
    this.deps.events.publish('plugin.failed', null, { domain: loaded.manifest.domain, error });
  }

  list(): PluginState[] {
    return [...this.plugins.values()].map((p) => ({ ...p.state }));
  }

  get(domain: string): PluginState | undefined {
    const found = this.plugins.get(domain);
    return found ? { ...found.state } : undefined;
  }

  driverStates(storeId?: string): DriverInstanceState[] {
    return [...this.instances.values()]
      .map((i) => ({ ...i.state }))
      .filter((s) => storeId === undefined || s.storeId === storeId);
  }

  // --- PluginCatalog -------------------------------------------------------------------------

  hasDriver(domain: string): boolean {
    const found = this.plugins.get(domain);
    return found?.state.status === 'loaded' && found.plugin?.kind === 'driver';
  }

  /** A loaded policy plugin by domain (for the policy module host). */
  policyPlugin(domain: string): PolicyPlugin | undefined {
    const found = this.plugins.get(domain);
    return found?.state.status === 'loaded' && found.plugin?.kind === 'policy'
      ? found.plugin
      : undefined;
  }

  sensorKindsOf(domain: string): readonly string[] {
    return this.plugins.get(domain)?.state.sensorKinds ?? [];
  }

  driverDomains(): string[] {
    return [...this.plugins.keys()].filter((d) => this.hasDriver(d)).sort();
  }

  validateSensorConfig(domain: string, config: unknown): FieldError[] {
    const plugin = this.plugins.get(domain)?.plugin;
    if (!plugin) return [];
    const { errors } = validatePlain(plugin.configSchema, config ?? {});
    return errors.map((e) => ({
      ...e,
      field: e.field === '(root)' ? 'config' : `config.${e.field}`,
    }));
  }

  secretConfigFields(domain: string): readonly string[] | undefined {
    const plugin = this.plugins.get(domain)?.plugin;
    return this.hasDriver(domain) && plugin ? secretFields(plugin.configSchema) : undefined;
  }

  // --- Driver instances ----------------------------------------------------------------------

  /** Makes the running drivers match the configured sensors: starts new, stops removed, restarts changed. */
  async syncSensors(sensors: readonly SensorRecord[]): Promise<void> {
    const wanted = new Map(
      sensors.filter((s) => s.enabled).map((s) => [`${s.storeId}/${s.id}`, s]),
    );
    for (const [key, instance] of [...this.instances]) {
      const next = wanted.get(key);
      if (!next || hashSensor(next) !== instance.configHash) await this.stopInstance(instance);
    }
    for (const [key, sensor] of wanted) {
      if (!this.instances.has(key)) this.startInstance(sensor);
    }
  }

  private startInstance(sensor: SensorRecord): void {
    const instance: Instance = {
      key: `${sensor.storeId}/${sensor.id}`,
      sensor,
      configHash: hashSensor(sensor),
      state: {
        storeId: sensor.storeId,
        sensorId: sensor.id,
        domain: sensor.domain,
        status: 'starting',
        available: null,
        attempts: 0,
      },
      cleanup: [],
      secrets: [],
    };
    this.instances.set(instance.key, instance);
    void this.runSetup(instance);
  }

  private async runSetup(instance: Instance): Promise<void> {
    const { sensor, state } = instance;
    const loaded = this.plugins.get(sensor.domain);
    state.attempts += 1;
    state.status = 'starting';
    if (!loaded || loaded.state.status !== 'loaded' || loaded.plugin?.kind !== 'driver') {
      this.markFailed(
        instance,
        loaded
          ? `plugin ${sensor.domain} is not usable: ${loaded.state.error ?? 'not a driver'}`
          : `no plugin with domain ${sensor.domain}`,
      );
      return;
    }
    const plugin = loaded.plugin;
    instance.secrets = secretValues(sensor.config, secretFields(plugin.configSchema));
    const log = scrubbingLogger(
      pluginLogger(this.deps.logger, {
        plugin: sensor.domain,
        store: sensor.storeId,
        sensor: sensor.id,
      }),
      instance.secrets,
    );
    const abort = new AbortController();
    instance.abort = abort;
    try {
      const config = validateConfig(
        plugin.configSchema,
        sensor.config,
        `invalid configuration of sensor ${sensor.id}`,
      );
      const { ports, cleanup } = this.deps.ports(loaded.manifest, sensor);
      instance.cleanup.push(cleanup);
      const info: SensorInfo = {
        id: sensor.id,
        storeId: sensor.storeId,
        position: { x: sensor.x, y: sensor.y, z: sensor.z },
      };
      const ctx: DriverContext<object> = {
        sensor: info,
        config,
        emit: (o) => this.emit(instance, o),
        reject: (reason, detail) => this.reject(instance, reason, detail, log),
        logger: log,
        clock: this.deps.clock,
        signal: abort.signal,
        ports,
        status: {
          available: () => this.setAvailable(instance, true),
          unavailable: (reason) => this.setAvailable(instance, false, reason),
        },
      };
      const driver = plugin.createDriver();
      instance.driver = driver;
      await withTimeout(
        Promise.resolve(driver.setup(ctx)),
        SETUP_TIMEOUT_MS,
        `setup did not finish within ${SETUP_TIMEOUT_MS / 1000} s`,
      );
      if (abort.signal.aborted) return;
      state.status = 'running';
      delete state.error;
      delete state.nextRetryAt;
      log.info('driver running');
    } catch (error) {
      const stoppedMeanwhile = this.stopping || abort.signal.aborted;
      await this.teardownDriver(instance);
      if (stoppedMeanwhile) return;
      if (isNamed(error, 'PluginNotReadyError') || isNamed(error, 'TimeoutError')) {
        const delay = Math.min(RETRY_INITIAL_MS * 2 ** (state.attempts - 1), RETRY_MAX_MS);
        state.status = 'retrying';
        state.error = this.describe(instance, error);
        state.nextRetryAt = this.deps.clock.now() + delay;
        this.deps.metrics.sensorAvailable.labels(sensor.storeId, sensor.id, sensor.domain).set(0);
        log.warn(`not ready, retrying in ${delay} ms: ${this.describe(instance, error)}`);
        instance.retryTimer = this.deps.clock.setTimeout(() => {
          instance.retryTimer = undefined;
          void this.runSetup(instance);
        }, delay);
        return;
      }
      this.markFailed(instance, this.describe(instance, error));
    }
  }

  /** A driver's error as the API and logs show it: no raw MAC, none of its sensor's secrets. */
  private describe(instance: Instance, error: unknown): string {
    return scrubSecrets(message(error), instance.secrets);
  }

  private markFailed(instance: Instance, error: string): void {
    instance.state.status = 'failed';
    instance.state.error = error;
    instance.state.available = false;
    const { sensor } = instance;
    this.deps.metrics.sensorAvailable.labels(sensor.storeId, sensor.id, sensor.domain).set(0);
    this.deps.logger.error(
      { plugin: sensor.domain, store: sensor.storeId, sensor: sensor.id },
      `driver failed: ${error}`,
    );
  }

  private emit(instance: Instance, observation: DriverObservation): void {
    if (instance.abort?.signal.aborted) return;
    try {
      // No copy per observation: the sensor's identity travels beside the driver's object.
      this.deps.sink(
        observation,
        instance.sensor.storeId,
        observation.sensorId ?? instance.sensor.id,
      );
    } catch (error) {
      this.deps.logger.error(
        { plugin: instance.sensor.domain },
        `observation sink failed: ${message(error)}`,
      );
    }
  }

  private readonly lastRejectLog = new Map<string, number>();

  private reject(
    instance: Instance,
    reason: string,
    detail: string,
    log: ReturnType<typeof pluginLogger>,
  ): void {
    // The reason becomes a metric label: only short snake_case words, anything else is `other`.
    const label = REASON_LABEL.test(reason) ? reason : 'other';
    this.deps.metrics.rejected.labels(instance.sensor.domain, label).inc();
    const key = `${instance.key}|${label}`;
    const now = this.deps.clock.now();
    const last = this.lastRejectLog.get(key) ?? -Infinity;
    if (now - last >= 60_000) {
      this.lastRejectLog.set(key, now);
      log.warn(`rejected input (${label}): ${redactMacs(scrubSecrets(detail, instance.secrets))}`);
    }
  }

  private setAvailable(instance: Instance, available: boolean, rawReason?: string): void {
    const { state, sensor } = instance;
    const reason =
      rawReason === undefined ? undefined : redactMacs(scrubSecrets(rawReason, instance.secrets));
    if (state.available === available) return;
    state.available = available;
    if (reason === undefined) delete state.reason;
    else state.reason = reason;
    this.deps.metrics.sensorAvailable
      .labels(sensor.storeId, sensor.id, sensor.domain)
      .set(available ? 1 : 0);
    if (available) {
      this.deps.events.publish('sensor.online', sensor.storeId, {
        sensorId: sensor.id,
        domain: sensor.domain,
      });
    } else {
      this.deps.events.publish('sensor.offline', sensor.storeId, {
        sensorId: sensor.id,
        domain: sensor.domain,
        reason: reason ?? 'unavailable',
      });
    }
  }

  private async teardownDriver(instance: Instance): Promise<void> {
    instance.abort?.abort();
    const driver = instance.driver;
    instance.driver = undefined;
    try {
      await driver?.teardown();
    } catch (error) {
      this.deps.logger.warn(
        { plugin: instance.sensor.domain, sensor: instance.sensor.id },
        `teardown failed: ${this.describe(instance, error)}`,
      );
    }
    for (const cleanup of instance.cleanup.splice(0)) {
      try {
        await cleanup();
      } catch (error) {
        this.deps.logger.warn(
          { plugin: instance.sensor.domain },
          `port cleanup failed: ${message(error)}`,
        );
      }
    }
  }

  private async stopInstance(instance: Instance): Promise<void> {
    if (instance.retryTimer !== undefined) this.deps.clock.clearTimeout(instance.retryTimer);
    instance.retryTimer = undefined;
    this.instances.delete(instance.key);
    await this.teardownDriver(instance);
    instance.state.status = 'stopped';
    this.deps.metrics.sensorAvailable.remove(
      instance.sensor.storeId,
      instance.sensor.id,
      instance.sensor.domain,
    );
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const instance of [...this.instances.values()]) await this.stopInstance(instance);
    await this.stopExporters();
  }

  async stopExporters(): Promise<void> {
    for (const exporter of [...this.exporters.values()]) await this.stopExporter(exporter);
  }

  // --- Exporters -----------------------------------------------------------------------------

  exporterStates(): ExporterState[] {
    return [...this.exporters.values()].map((e) => ({ ...e.state }));
  }

  /**
   * Starts one instance of each exporter plugin named in `configs` (domain → its configuration).
   * An unknown domain, a plugin that is not an exporter, a bad configuration or a setup that
   * throws marks that exporter failed; the hub and the other exporters go on.
   */
  async startExporters(
    configs: Readonly<Record<string, unknown>>,
    sources: ExporterSources,
  ): Promise<void> {
    for (const [domain, rawConfig] of Object.entries(configs)) {
      const instance: ExporterInstance = {
        domain,
        state: { domain, status: 'running', available: null },
        abort: new AbortController(),
        unsubscribe: [],
      };
      this.exporters.set(domain, instance);
      const loaded = this.plugins.get(domain);
      const plugin = loaded?.plugin;
      if (!loaded || loaded.state.status !== 'loaded' || plugin?.kind !== 'exporter') {
        this.exporterFailed(
          instance,
          loaded
            ? `plugin ${domain} is not usable as an exporter: ${loaded.state.error ?? `it is a ${loaded.state.kind} plugin`}`
            : `no plugin with domain ${domain}`,
        );
        continue;
      }
      const log = pluginLogger(this.deps.logger, { plugin: domain });
      try {
        const config = validateConfig(
          plugin.configSchema,
          rawConfig ?? {},
          `invalid configuration of exporter ${domain}`,
        );
        const ctx: ExporterContext<object> = {
          config,
          onEvent: (handler) => {
            const off = this.deps.events.subscribe(handler, (error) =>
              log.error(`event handler failed: ${message(error)}`),
            );
            instance.unsubscribe.push(off);
            return off;
          },
          figures: sources.figures,
          brokerUrl: sources.brokerUrl,
          logger: log,
          clock: this.deps.clock,
          signal: instance.abort.signal,
          status: {
            available: () => this.exporterAvailable(instance, true),
            unavailable: (reason) => this.exporterAvailable(instance, false, reason),
          },
        };
        const exporter = plugin.createExporter();
        instance.exporter = exporter;
        await withTimeout(
          Promise.resolve(exporter.setup(ctx)),
          SETUP_TIMEOUT_MS,
          `setup did not finish within ${SETUP_TIMEOUT_MS / 1000} s`,
        );
        log.info('exporter running');
      } catch (error) {
        await this.teardownExporter(instance);
        this.exporterFailed(instance, message(error));
      }
    }
  }

  private exporterAvailable(instance: ExporterInstance, available: boolean, reason?: string): void {
    instance.state.available = available;
    if (reason === undefined) delete instance.state.reason;
    else instance.state.reason = redactMacs(reason);
  }

  private exporterFailed(instance: ExporterInstance, error: string): void {
    instance.state.status = 'failed';
    instance.state.error = error;
    this.deps.logger.error({ plugin: instance.domain }, `exporter failed: ${error}`);
  }

  private async teardownExporter(instance: ExporterInstance): Promise<void> {
    instance.abort.abort();
    for (const off of instance.unsubscribe.splice(0)) off();
    const exporter = instance.exporter;
    instance.exporter = undefined;
    try {
      await exporter?.teardown();
    } catch (error) {
      this.deps.logger.warn({ plugin: instance.domain }, `teardown failed: ${message(error)}`);
    }
  }

  private async stopExporter(instance: ExporterInstance): Promise<void> {
    this.exporters.delete(instance.domain);
    await this.teardownExporter(instance);
    if (instance.state.status === 'running') instance.state.status = 'stopped';
  }
}

/** Scrubs the sensor's secret values from every message and context the driver logs. */
function scrubbingLogger(logger: PluginLogger, secrets: readonly string[]): PluginLogger {
  if (secrets.length === 0) return logger;
  const scrubbed =
    (write: PluginLogger['info']): PluginLogger['info'] =>
    (text, context) =>
      write(scrubSecrets(text, secrets), context && scrubSecrets(context, secrets));
  return {
    debug: scrubbed(logger.debug),
    info: scrubbed(logger.info),
    warn: scrubbed(logger.warn),
    error: scrubbed(logger.error),
  };
}

function hashSensor(sensor: SensorRecord): string {
  return createHash('sha256')
    .update(
      JSON.stringify([sensor.domain, sensor.x, sensor.y, sensor.z, sensor.config, sensor.enabled]),
    )
    .digest('hex');
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

async function withTimeout<T>(promise: Promise<T>, ms: number, text: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(text)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
