import type { Clock, TimerHandle } from '@aisle/sdk';

/** Largest live-sum answer read (an Axis answer is ~100 bytes). */
export const MAX_POLL_BODY_BYTES = 16 * 1024;

export interface PollerOptions {
  url: string;
  headers: Readonly<Record<string, string>>;
  intervalMs: number;
  timeoutMs: number;
  maxBackoffMs: number;
  clock: Clock;
  /** A body arrived (HTTP 2xx): true when it was a valid reading, false when it was not. */
  onBody(body: Uint8Array): boolean;
  /** A poll failed; the next one is in `nextInMs` (doubled per consecutive failure). */
  onFailure(failure: { reason: string; failures: number; nextInMs: number }): void;
}

/**
 * Polls one URL on the clock's timers: every `intervalMs` while the device answers; after a
 * failure (timeout, connection refused, non-2xx, an invalid body) the delay doubles per consecutive
 * failure up to `maxBackoffMs`. One request at a time; `stop()` aborts the one in flight.
 */
export class Poller {
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: PollerOptions) {}

  /** Polls at once (on the next timer tick), then on the interval. */
  start(): void {
    this.schedule(0);
  }

  /** Resolves when the request in flight (if any) has been handled. */
  idle(): Promise<void> {
    return this.inFlight;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.inFlight;
  }

  /** Delay before the next poll after `failures` consecutive failures. */
  static delayAfter(failures: number, intervalMs: number, maxBackoffMs: number): number {
    if (failures === 0) return intervalMs;
    return Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures, 30));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.pollOnce();
    }, ms);
  }

  private async pollOnce(): Promise<void> {
    const { url, headers, timeoutMs } = this.options;
    let failure: string | undefined;
    try {
      const response = await fetch(url, {
        headers,
        redirect: 'error',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.abort.signal]),
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        failure = `the device answered HTTP ${response.status}`;
      } else {
        const body = await readLimited(response, MAX_POLL_BODY_BYTES);
        if (body === undefined) failure = `the answer was larger than ${MAX_POLL_BODY_BYTES} bytes`;
        else if (!this.options.onBody(body)) failure = 'the answer was not a valid live sum';
      }
    } catch (error) {
      if (this.stopped) return;
      failure = describeFetchError(error, timeoutMs);
    }
    if (this.stopped) return;
    if (failure === undefined) {
      this.failures = 0;
      this.schedule(this.options.intervalMs);
      return;
    }
    this.failures += 1;
    const nextInMs = Poller.delayAfter(
      this.failures,
      this.options.intervalMs,
      this.options.maxBackoffMs,
    );
    this.options.onFailure({ reason: failure, failures: this.failures, nextInMs });
    this.schedule(nextInMs);
  }
}

async function readLimited(response: Response, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) return new Uint8Array(0);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** A failure in words, without the URL (it may hold credentials). */
function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: unknown; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const code = e?.cause?.code;
  if (typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code)) return `unreachable (${code})`;
  return 'unreachable';
}
