import { createHash, timingSafeEqual } from 'node:crypto';
import {
  AvailabilityWatchdog,
  PluginConfigError,
  normaliseMac,
  subscribeAll,
  teardownAll,
  type Driver,
  type DriverContext,
  type PushRequest,
  type PushResponse,
  type Teardown,
} from '@aisle/sdk';
import { sourceProblems, zoneProblems, type CameraCounterConfig } from './config.js';
import { FrigateTracker, type CameraCount } from './frigate.js';
import { IntervalLedger, LiveSumTracker, parseReport } from './line-counter.js';
import { Poller } from './poller.js';
import { isRecord, parseJson, shapeOf, type Rejection } from './wire.js';

/** Path of the push route below the sensor's mount: `/push/camera-counter/<store>/<sensor>/counts`. */
export const PUSH_PATH = 'counts';
/** Most reports accepted in one push (a device catching up on a day of one-minute intervals). */
export const MAX_REPORTS_PER_PUSH = 1_440;

/**
 * One camera people counter: Frigate over MQTT, or an Axis-style line counter that pushes counts
 * per interval or is polled for its live sum. Emits counts only (never a track id or an image);
 * every malformed input is rejected with the field named and counted.
 */
export class CameraCounterDriver implements Driver<CameraCounterConfig> {
  private ctx: DriverContext<CameraCounterConfig> | undefined;
  private watchdog: AvailabilityWatchdog | undefined;
  /** Drops the Frigate subscriptions or the push route, whichever the source set up. */
  private unsubscribe: Teardown | undefined;
  private frigate: FrigateTracker | undefined;
  private ledger: IntervalLedger | undefined;
  private liveSum: LiveSumTracker | undefined;
  private poller: Poller | undefined;
  private stopped = false;

  async setup(ctx: DriverContext<CameraCounterConfig>): Promise<void> {
    this.ctx = ctx;
    checkConfig(ctx.config);
    this.watchdog = AvailabilityWatchdog.forDriver(ctx, {
      unavailableAfterSeconds: ctx.config.unavailableAfterSeconds,
      silence: 'no valid input from the counter',
    });
    switch (ctx.config.source) {
      case 'frigate':
        await this.setupFrigate(ctx);
        break;
      case 'push':
        this.setupPush(ctx);
        break;
      case 'poll':
        this.setupPoll(ctx);
        break;
    }
    this.watchdog.start();
  }

  async teardown(): Promise<void> {
    this.stopped = true;
    this.watchdog?.stop();
    this.watchdog = undefined;
    await this.poller?.stop();
    this.poller = undefined;
    await this.unsubscribe?.();
    this.frigate?.clear();
    this.ledger?.clear();
    this.liveSum?.clear();
  }

  /** Resolves when the poll in flight (if any) has been handled (tests). */
  async whenIdle(): Promise<void> {
    await this.poller?.idle();
  }

  // --- Frigate ---------------------------------------------------------------------------------

  private async setupFrigate(ctx: DriverContext<CameraCounterConfig>): Promise<void> {
    const mqtt = ctx.ports.mqtt;
    if (!mqtt) {
      throw new PluginConfigError(
        'camera-counter with source "frigate" needs the mqtt port (the hub provides its broker connection)',
      );
    }
    const prefix = ctx.config.frigateTopicPrefix;
    this.frigate = new FrigateTracker({
      zones: new Map(Object.entries(ctx.config.zones)),
      cameras: new Set(ctx.config.frigateCameras),
      maxClockSkewMs: ctx.config.maxClockSkewSeconds * 1000,
    });
    this.unsubscribe = await subscribeAll(
      mqtt,
      [
        {
          topic: `${prefix}/events`,
          handler: (_t, payload) => this.onFrigate((tracker, now) => tracker.event(payload, now)),
        },
        {
          topic: `${prefix}/+/person`,
          handler: (topic, payload) => {
            const zone = topic.slice(prefix.length + 1, -'/person'.length);
            this.onFrigate((tracker, now) => tracker.zoneCount(zone, payload, now));
          },
        },
        // Frigate's retained availability (its last will) and its periodic stats (a heartbeat
        // while nobody is in view).
        { topic: `${prefix}/available`, handler: (_t, payload) => this.onAvailable(payload) },
        {
          topic: `${prefix}/stats`,
          handler: () => {
            if (this.live()) this.watchdog?.seen();
          },
        },
      ],
      { signal: ctx.signal, logger: ctx.logger },
    );
    ctx.logger.debug('subscribed to Frigate', { prefix });
  }

  private onFrigate(
    handle: (tracker: FrigateTracker, now: number) => ReturnType<FrigateTracker['event']>,
  ): void {
    const ctx = this.ctx;
    if (!this.live() || !ctx || !this.frigate) return;
    const result = handle(this.frigate, ctx.clock.now());
    for (const rejection of result.rejections) ctx.reject(rejection.reason, rejection.detail);
    for (const observation of result.observations) ctx.emit(observation);
    if (result.valid) this.watchdog?.seen();
  }

  private onAvailable(payload: Buffer): void {
    const ctx = this.ctx;
    if (!this.live() || !ctx) return;
    const text = payload.toString('utf8').trim();
    if (text === 'offline') {
      this.watchdog?.unavailable('Frigate reported offline on its available topic');
    } else if (text !== 'online') {
      ctx.reject(
        'bad_status',
        `available: must be "online" or "offline" (got ${payload.length} bytes)`,
      );
    }
  }

  // --- push ------------------------------------------------------------------------------------

  private setupPush(ctx: DriverContext<CameraCounterConfig>): void {
    const http = ctx.ports.http;
    if (!http) {
      throw new PluginConfigError(
        'camera-counter with source "push" needs the http port (the hub serves /push/…)',
      );
    }
    this.ledger = new IntervalLedger(ctx.config.maxReportAgeHours * 3_600_000);
    const expected =
      ctx.config.pushTokenSha256 !== ''
        ? Buffer.from(ctx.config.pushTokenSha256, 'hex')
        : digest(ctx.config.pushToken);
    const { path, unregister } = http.route({
      method: 'POST',
      path: PUSH_PATH,
      handle: (request) => this.onPush(request, expected),
    });
    this.unsubscribe = teardownAll([unregister], { logger: ctx.logger });
    ctx.logger.info('push endpoint ready', { path });
  }

  private onPush(request: PushRequest, expected: Buffer): PushResponse {
    const ctx = this.ctx;
    if (!this.live() || !ctx || !this.ledger) {
      return { status: 503, body: { statusCode: 503, message: 'the sensor is stopping' } };
    }
    const token = presentedToken(request.headers);
    if (token === undefined || !timingSafeEqual(digest(token), expected)) {
      ctx.reject(
        'unauthorized',
        'push: missing or wrong token (Authorization: Bearer … or X-Aisle-Token)',
      );
      return { status: 401, body: { statusCode: 401, message: 'missing or wrong push token' } };
    }
    const json = parseJson(request.body);
    if (!('ok' in json)) return this.refuse(400, json);
    const list = Array.isArray(json.value) ? json.value : [json.value];
    const batch = Array.isArray(json.value);
    if (list.length > MAX_REPORTS_PER_PUSH) {
      return this.refuse(413, {
        reason: 'batch_too_large',
        detail: `payload: must hold at most ${MAX_REPORTS_PER_PUSH} reports (got ${list.length})`,
      });
    }
    if (!batch && !isRecord(json.value)) {
      return this.refuse(400, {
        reason: 'bad_report',
        detail: `payload: must be a report object or an array of them (got ${shapeOf(json.value)})`,
      });
    }
    const now = ctx.clock.now();
    const config = ctx.config;
    let accepted = 0;
    let duplicates = 0;
    let conflicts = 0;
    const rejected: { index: number; reason: string; detail: string }[] = [];
    list.forEach((item: unknown, index) => {
      const path = batch ? `[${index}].` : '';
      const refuse = (rejection: Rejection): void => {
        ctx.reject(rejection.reason, rejection.detail);
        rejected.push({ index, ...rejection });
      };
      const parsed = parseReport(item, { path, utcOffsetMinutes: config.deviceUtcOffsetMinutes });
      if (!('ok' in parsed)) return refuse(parsed);
      const report = parsed.report;
      if (config.serial !== '' && !sameSerial(report.serial, config.serial)) {
        return refuse({
          reason: 'wrong_serial',
          detail: `${path}serial: is not this sensor's configured serial (got ${shapeOf(report.serial)})`,
        });
      }
      const skew = this.skewRejection(report.at, now, `${path}timestamp`);
      if (skew) return refuse(skew);
      const intervalStart = report.at - (report.interval ?? config.intervalSeconds) * 1000;
      const verdict = this.ledger!.record(intervalStart, report, now);
      switch (verdict) {
        case 'new':
          accepted += 1;
          ctx.emit(
            this.lineCount({ entries: report.in, exits: report.out, intervalStart, at: report.at }),
          );
          return undefined;
        case 'duplicate':
          duplicates += 1;
          return undefined;
        case 'conflict':
          conflicts += 1;
          return refuse({
            reason: 'conflicting_interval',
            detail: `${path}: the interval starting ${new Date(intervalStart).toISOString()} was already counted with other figures; the first report stands`,
          });
        case 'too_late':
          return refuse({
            reason: 'too_late',
            detail: `${path}timestamp: the interval starting ${new Date(intervalStart).toISOString()} is older than ${config.maxReportAgeHours} h`,
          });
      }
    });
    if (accepted + duplicates > 0) this.watchdog?.seen();
    const body = { accepted, duplicates, rejected };
    if (accepted > 0) return { status: 202, body };
    if (rejected.length === 0) return { status: 200, body }; // duplicates only, or an empty backlog
    if (conflicts > 0 && conflicts === rejected.length) return { status: 409, body };
    return { status: 400, body };
  }

  private refuse(status: number, rejection: Rejection): PushResponse {
    this.ctx?.reject(rejection.reason, rejection.detail);
    return {
      status,
      body: { statusCode: status, reason: rejection.reason, message: rejection.detail },
    };
  }

  // --- poll ------------------------------------------------------------------------------------

  private setupPoll(ctx: DriverContext<CameraCounterConfig>): void {
    const config = ctx.config;
    this.liveSum = new LiveSumTracker(config.deviceUtcOffsetMinutes);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (config.pollUsername !== '') {
      const credentials = `${config.pollUsername}:${config.pollPassword}`;
      headers['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    let failing = false;
    this.poller = new Poller({
      url: config.pollUrl,
      headers,
      intervalMs: config.pollIntervalSeconds * 1000,
      timeoutMs: config.pollTimeoutSeconds * 1000,
      maxBackoffMs: Math.max(config.maxBackoffSeconds, config.pollIntervalSeconds) * 1000,
      clock: ctx.clock,
      onBody: (body) => {
        const ok = this.onLiveSum(body);
        if (ok && failing) {
          failing = false;
          ctx.logger.info('the counter answers again');
        }
        return ok;
      },
      onFailure: ({ reason, failures, nextInMs }) => {
        if (!this.live()) return;
        // Logged on the first failure and then at every doubling, not on every poll.
        if (!failing || (failures & (failures - 1)) === 0) {
          ctx.logger.warn(`polling the counter failed: ${reason}`, {
            failures,
            nextInSeconds: Math.round(nextInMs / 1000),
          });
        }
        failing = true;
      },
    });
    this.poller.start();
  }

  private onLiveSum(body: Uint8Array): boolean {
    const ctx = this.ctx;
    if (!this.live() || !ctx || !this.liveSum) return false;
    const json = parseJson(body);
    if (!('ok' in json)) {
      ctx.reject(json.reason, json.detail);
      return false;
    }
    const parsed = parseReport(json.value, {
      path: '',
      utcOffsetMinutes: ctx.config.deviceUtcOffsetMinutes,
    });
    if (!('ok' in parsed)) {
      ctx.reject(parsed.reason, parsed.detail);
      return false;
    }
    const report = parsed.report;
    if (ctx.config.serial !== '' && !sameSerial(report.serial, ctx.config.serial)) {
      ctx.reject(
        'wrong_serial',
        `serial: is not this sensor's configured serial (got ${shapeOf(report.serial)})`,
      );
      return false;
    }
    const skew = this.skewRejection(report.at, ctx.clock.now(), 'timestamp');
    if (skew) {
      ctx.reject(skew.reason, skew.detail);
      return false;
    }
    const step = this.liveSum.reading(report);
    this.watchdog?.seen();
    if (step.kind === 'delta') {
      if (step.reset) ctx.logger.debug('the live sum restarted (midnight or reboot)');
      ctx.emit(this.lineCount(step));
    }
    return true;
  }

  // --- shared ----------------------------------------------------------------------------------

  private lineCount(counts: {
    entries: number;
    exits: number;
    intervalStart: number;
    at: number;
  }): CameraCount {
    return {
      kind: 'camera',
      lineId: (this.ctx as DriverContext<CameraCounterConfig>).config.lineId,
      entries: counts.entries,
      exits: counts.exits,
      intervalStart: counts.intervalStart,
      at: counts.at,
    };
  }

  private skewRejection(at: number, now: number, field: string): Rejection | undefined {
    const maxSkewMs =
      (this.ctx as DriverContext<CameraCounterConfig>).config.maxClockSkewSeconds * 1000;
    if (at - now <= maxSkewMs) return undefined;
    return {
      reason: 'clock_skew',
      detail: `${field}: ${new Date(at).toISOString()} is ${Math.round((at - now) / 1000)} s ahead of the hub's clock (at most ${maxSkewMs / 1000} s allowed)`,
    };
  }

  private live(): boolean {
    return !this.stopped && this.ctx !== undefined && !this.ctx.signal.aborted;
  }
}

/**
 * The source's requirements again at setup (the host validates the schema first; this keeps a
 * driver created by other means from running half-configured).
 */
export function checkConfig(config: CameraCounterConfig): void {
  const problems = [...sourceProblems(config), ...zoneProblems(config.zones)];
  if (problems.length > 0) {
    throw new PluginConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function presentedToken(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  let authorization: string | undefined;
  let custom: string | undefined;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') authorization = value;
    else if (lower === 'x-aisle-token') custom = value;
  }
  const bearer = authorization !== undefined ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return bearer?.[1] ?? custom;
}

/** Serials compare as MACs when both are one (Axis serials are), else case-insensitively. */
function sameSerial(reported: string | undefined, configured: string): boolean {
  if (reported === undefined) return false;
  const a = normaliseMac(reported);
  const b = normaliseMac(configured);
  if (a !== null && b !== null) return a === b;
  return reported.trim().toLowerCase() === configured.trim().toLowerCase();
}
