import {
  PluginConfigError,
  type CapturedFrame,
  type Driver,
  type DriverContext,
  type PushRequest,
  type PushResponse,
  type Unsubscribe,
} from '@aisle/sdk';
import { frameToObservation } from './capture/frame-observation.js';
import type { WifiSnifferConfig } from './config.js';
import { parseEsp32Batch } from './esp32/esp32-batch.js';
import { parseMerakiBody, secretMatches } from './meraki/meraki-scanning.js';

/**
 * One Wi-Fi sniffer sensor: probe requests from a capture (interface or file), an ESP32 sniffer's
 * MQTT batches, or Meraki Scanning API pushes. Bad input is rejected item by item and counted;
 * nothing stops the stream.
 */
/** Live-capture restart back-off: 1 s doubling to 1 min (tcpdump restarts cost little). */
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 60_000;

function sleep(
  ctx: DriverContext<WifiSnifferConfig>,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    const timer = ctx.clock.setTimeout(done, ms);
    function done(): void {
      ctx.clock.clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class WifiSnifferDriver implements Driver<WifiSnifferConfig> {
  private ctx: DriverContext<WifiSnifferConfig> | undefined;
  private readonly cleanups: Unsubscribe[] = [];
  private capture: Promise<void> | undefined;
  private readonly abort = new AbortController();

  async setup(ctx: DriverContext<WifiSnifferConfig>): Promise<void> {
    this.ctx = ctx;
    ctx.signal.addEventListener('abort', () => this.abort.abort(), { once: true });
    switch (ctx.config.source) {
      case 'capture':
        this.startCapture(ctx);
        break;
      case 'esp32':
        await this.startEsp32(ctx);
        break;
      case 'meraki':
        this.startMeraki(ctx);
        break;
    }
  }

  async teardown(): Promise<void> {
    this.abort.abort();
    for (const cleanup of this.cleanups.splice(0)) {
      try {
        await cleanup();
      } catch (error) {
        this.ctx?.logger.warn('cleanup failed', { error: (error as Error).message });
      }
    }
    await this.capture;
  }

  private startCapture(ctx: DriverContext<WifiSnifferConfig>): void {
    const frames = ctx.ports.frames;
    if (!frames) {
      throw new PluginConfigError('wifi-sniffer needs the frames port for source "capture"');
    }
    const { file, interface: iface } = ctx.config;
    if ((file === undefined) === (iface === undefined)) {
      throw new PluginConfigError('invalid configuration', [
        {
          field: 'file',
          value: file,
          message: 'source "capture" needs exactly one of file or interface',
        },
      ]);
    }
    const spec = file !== undefined ? { file } : { interface: iface as string };
    const signal = this.abort.signal;
    this.capture = (async () => {
      let backoff = RESTART_MIN_MS;
      while (!signal.aborted) {
        const { frames: seen, error } = await this.runCapture(ctx, frames.open(spec, signal));
        if (signal.aborted) return;
        if (file !== undefined) {
          if (error === undefined) {
            ctx.logger.info('capture file replayed');
            ctx.status.unavailable('the capture file has been replayed to its end');
          } else {
            ctx.reject('capture_error', error);
            ctx.status.unavailable(`capture file unreadable: ${error}`);
          }
          return;
        }
        // Live capture: the child died or the interface is missing. Say why, retry with back-off
        // (reset once a run delivered frames, so a flapping interface does not wait minutes).
        if (seen > 0) backoff = RESTART_MIN_MS;
        const why = error ?? 'the capture ended';
        ctx.status.unavailable(`${why}; restarting in ${Math.round(backoff / 1000)} s`);
        ctx.logger.warn('live capture stopped', { reason: why, restartInMs: backoff });
        await sleep(ctx, backoff, signal);
        backoff = Math.min(backoff * 2, RESTART_MAX_MS);
      }
    })();
  }

  /** Emits the probe requests of one capture run; returns how many frames came and why it ended. */
  private async runCapture(
    ctx: DriverContext<WifiSnifferConfig>,
    frames: AsyncIterable<CapturedFrame>,
  ): Promise<{ frames: number; error?: string }> {
    let count = 0;
    try {
      for await (const frame of frames) {
        if (this.abort.signal.aborted) break;
        if (count === 0) ctx.status.available();
        count += 1;
        const outcome = frameToObservation(frame);
        if (outcome.kind === 'observation') {
          if (outcome.warning) ctx.reject(outcome.warning.reason, outcome.warning.detail);
          ctx.emit(outcome.observation);
        } else if (outcome.kind === 'rejected') ctx.reject(outcome.reason, outcome.detail);
      }
      return { frames: count };
    } catch (error) {
      return { frames: count, error: (error as Error).message };
    }
  }

  private async startEsp32(ctx: DriverContext<WifiSnifferConfig>): Promise<void> {
    const mqtt = ctx.ports.mqtt;
    if (!mqtt) throw new PluginConfigError('wifi-sniffer needs the mqtt port for source "esp32"');
    const topic = ctx.config.topic
      .replaceAll('{store}', ctx.sensor.storeId)
      .replaceAll('{sensor}', ctx.sensor.id);
    if (/[+#]/.test(topic) || topic.includes('\u0000')) {
      throw new PluginConfigError('invalid configuration', [
        {
          field: 'topic',
          value: topic,
          message: 'the store or sensor id makes topic an MQTT wildcard',
        },
      ]);
    }
    let announced = false;
    this.cleanups.push(
      await mqtt.subscribe(topic, (_topic, payload) => {
        if (this.abort.signal.aborted) return;
        const batch = parseEsp32Batch(payload);
        for (const r of batch.rejections) ctx.reject(r.reason, r.detail);
        for (const o of batch.observations) ctx.emit(o);
        if (batch.envelopeOk && !announced) {
          announced = true;
          ctx.status.available();
        }
      }),
    );
  }

  private startMeraki(ctx: DriverContext<WifiSnifferConfig>): void {
    const http = ctx.ports.http;
    if (!http) throw new PluginConfigError('wifi-sniffer needs the http port for source "meraki"');
    const validator = ctx.config.merakiValidator ?? '';
    const get = http.route({
      method: 'GET',
      path: 'meraki',
      handle: () => ({ status: 200, body: validator, contentType: 'text/plain' }),
    });
    const post = http.route({
      method: 'POST',
      path: 'meraki',
      handle: (request) => this.onMerakiPost(ctx, request),
    });
    ctx.logger.info('Meraki Scanning API receiver ready', { path: post.path });
    this.cleanups.push(get.unregister, post.unregister);
  }

  private onMerakiPost(ctx: DriverContext<WifiSnifferConfig>, request: PushRequest): PushResponse {
    if (request.body.length > ctx.config.maxBodyBytes) {
      ctx.reject(
        'body_too_large',
        `body: ${request.body.length} bytes exceeds ${ctx.config.maxBodyBytes}`,
      );
      return {
        status: 413,
        body: { statusCode: 413, message: `body exceeds ${ctx.config.maxBodyBytes} bytes` },
      };
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      ctx.reject('bad_json', `body: not JSON (${request.body.length} bytes)`);
      return { status: 400, body: { statusCode: 400, message: 'body: not JSON' } };
    }
    const secret =
      typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>)['secret']
        : undefined;
    if (!secretMatches(ctx.config.merakiSecret ?? '', secret)) {
      ctx.reject('bad_secret', 'secret: does not match the configured shared secret');
      return { status: 403, body: { statusCode: 403, message: 'secret: does not match' } };
    }
    const parsed = parseMerakiBody(
      body,
      ctx.config.apSensors ? { apSensors: ctx.config.apSensors } : {},
    );
    for (const r of parsed.rejections) ctx.reject(r.reason, r.detail);
    if (!parsed.ok) {
      return {
        status: 400,
        body: { statusCode: 400, message: parsed.rejections[0]?.detail ?? 'bad body' },
      };
    }
    for (const o of parsed.observations) ctx.emit(o);
    ctx.status.available();
    return {
      status: 202,
      body: { accepted: parsed.observations.length, rejected: parsed.rejections.length },
    };
  }
}
