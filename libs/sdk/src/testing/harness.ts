import { AvailabilityWatchdog } from '../availability.js';
import type { Clock } from '../clock.js';
import type { DriverObservation, Observation } from '../observation.js';
import type { Driver, DriverContext, DriverPlugin, PluginLogger, SensorInfo } from '../plugin.js';
import type { Ports } from '../ports.js';
import { validateConfig } from '../validation.js';
import { FakeClock } from './fake-clock.js';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  context?: Record<string, unknown>;
}

export interface TestContext<TConfig extends object> {
  ctx: DriverContext<TConfig>;
  /** Everything emitted, with store and sensor filled in as the host would. */
  observations: Observation[];
  rejections: { reason: string; detail: string }[];
  /** `available` / `unavailable: <reason>` in order. */
  statuses: string[];
  logs: LogRecord[];
  clock: FakeClock;
  abort: AbortController;
}

export function createTestContext<TConfig extends object>(options: {
  config: TConfig;
  ports?: Ports;
  clock?: FakeClock;
  sensor?: Partial<SensorInfo>;
}): TestContext<TConfig> {
  const clock = options.clock ?? new FakeClock();
  const sensor: SensorInfo = {
    id: 'sensor-1',
    storeId: 'store-1',
    position: { x: 0, y: 0, z: 2.5 },
    ...options.sensor,
  };
  const observations: Observation[] = [];
  const rejections: { reason: string; detail: string }[] = [];
  const statuses: string[] = [];
  const logs: LogRecord[] = [];
  const abort = new AbortController();
  const log =
    (level: LogRecord['level']) =>
    (message: string, context?: Record<string, unknown>): void => {
      logs.push({ level, message, ...(context ? { context } : {}) });
    };
  const logger: PluginLogger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const ctx: DriverContext<TConfig> = {
    sensor,
    config: options.config,
    emit: (o: DriverObservation) => {
      observations.push({ ...o, storeId: sensor.storeId, sensorId: o.sensorId ?? sensor.id });
    },
    reject: (reason, detail) => {
      rejections.push({ reason, detail });
    },
    logger,
    clock,
    signal: abort.signal,
    ports: options.ports ?? {},
    status: {
      available: () => void statuses.push('available'),
      unavailable: (reason) => void statuses.push(`unavailable: ${reason}`),
    },
  };
  return { ctx, observations, rejections, statuses, logs, clock, abort };
}

/**
 * Validates `rawConfig` with the plugin's schema (as the host does), creates the driver and runs
 * its setup against fakes. `stop()` aborts the signal and runs teardown.
 */
export async function startDriver<TConfig extends object>(
  plugin: DriverPlugin<TConfig>,
  options: {
    config?: unknown;
    ports?: Ports;
    clock?: FakeClock;
    sensor?: Partial<SensorInfo>;
  } = {},
): Promise<TestContext<TConfig> & { driver: Driver<TConfig>; stop(): Promise<void> }> {
  const config = validateConfig(plugin.configSchema, options.config ?? {});
  const test = createTestContext({ ...options, config });
  const driver = plugin.createDriver();
  await driver.setup(test.ctx);
  return {
    ...test,
    driver,
    stop: async () => {
      test.abort.abort();
      await driver.teardown();
    },
  };
}

/** One recorded input: `t` is ms since the start of the capture (or epoch ms with `absolute`). */
export interface CaptureRecord {
  t: number;
  topic?: string;
  payload: unknown;
}

/** Parses JSON lines (blank lines and `#` comments ignored). */
export function parseJsonLines<T = unknown>(text: string): T[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line, index) => {
      try {
        return JSON.parse(line) as T;
      } catch (error) {
        throw new Error(`line ${index + 1} is not JSON: ${(error as Error).message}`);
      }
    });
}

/**
 * Replays recorded inputs in time order against a fake clock: before each record the clock is
 * advanced to its time, so timeouts in the driver fire exactly as they would have.
 */
export async function replayCapture(
  records: readonly CaptureRecord[],
  deliver: (record: CaptureRecord) => void | Promise<void>,
  clock?: FakeClock,
): Promise<void> {
  const sorted = [...records].sort((a, b) => a.t - b.t);
  const start = sorted[0]?.t ?? 0;
  const origin = clock?.now() ?? 0;
  for (const record of sorted) {
    if (clock) {
      const target = origin + (record.t - start);
      if (target > clock.now()) clock.set(target);
    }
    await deliver(record);
  }
}

function describeMismatch(actual: unknown, expected: unknown, path: string): string | null {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object') {
      return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    }
    for (const [key, value] of Object.entries(expected)) {
      const mismatch = describeMismatch(
        (actual as Record<string, unknown>)[key],
        value,
        `${path}.${key}`,
      );
      if (mismatch) return mismatch;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    }
    for (let i = 0; i < expected.length; i += 1) {
      const mismatch = describeMismatch(actual[i], expected[i], `${path}[${i}]`);
      if (mismatch) return mismatch;
    }
    return null;
  }
  if (typeof expected === 'number' && typeof actual === 'number' && Number.isNaN(expected)) {
    return Number.isNaN(actual) ? null : `${path}: expected NaN, got ${actual}`;
  }
  return Object.is(actual, expected)
    ? null
    : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/**
 * Asserts that the emitted observations match, in order, the expected partial observations
 * (fields not named are not compared). Works with any test runner: it throws an Error.
 */
export function expectObservations(
  actual: readonly Observation[],
  expected: readonly Partial<Observation>[],
): void {
  if (actual.length !== expected.length) {
    throw new Error(
      `expected ${expected.length} observation(s), got ${actual.length}: ${JSON.stringify(actual.slice(0, 5))}`,
    );
  }
  expected.forEach((want, i) => {
    const mismatch = describeMismatch(actual[i], want, `observations[${i}]`);
    if (mismatch) throw new Error(mismatch);
  });
}

/** Builds a watchdog wired to a test context (convenience for driver tests). */
export function watchdogFor(
  ctx: { clock: Clock; status: DriverContext['status'] },
  timeoutMs: number,
): AvailabilityWatchdog {
  return new AvailabilityWatchdog({ clock: ctx.clock, status: ctx.status, timeoutMs });
}
