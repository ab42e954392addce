import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { redactMacs } from '@aisle/sdk';
import {
  AllowList,
  BlockedTargetError,
  blockedAddressReason,
  guardedLookup,
  normaliseHost,
  type Resolver,
} from './ssrf.js';

/** Per-attempt timeout. */
export const DELIVERY_TIMEOUT_MS = 15_000;
/** Characters of the response kept in the attempt log. */
export const RESPONSE_EXCERPT_CHARS = 500;
/** Response bytes read at most (the rest is discarded). */
const MAX_RESPONSE_BYTES = 4096;

export type DeliveryOutcome =
  'delivered' | 'http-error' | 'redirect' | 'timeout' | 'network-error' | 'refused';

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  statusCode: number | null;
  latencyMs: number;
  /** Start of the response body or the error text, MAC-redacted. */
  excerpt: string;
  /** The raw `Retry-After` header of a 429/503. */
  retryAfter?: string;
}

export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface HttpDelivererOptions {
  allow: AllowList;
  resolve?: Resolver;
  timeoutMs?: number;
  /** Monotonic milliseconds, for latency (default `performance.now`). */
  monotonic?: () => number;
}

/**
 * POSTs one signed message. Never follows a redirect (a 3xx is a failure), checks the target
 * addresses at connection time, and never throws: every failure is a {@link DeliveryResult}.
 */
export class HttpDeliverer {
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };
  private readonly monotonic: () => number;

  constructor(private readonly options: HttpDelivererOptions) {
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** Connections the receiver closed under a reused keep-alive socket, retried on a fresh one. */
  staleSocketRetries = 0;

  /**
   * One attempt. A reused keep-alive socket that the receiver had already closed (reset, broken
   * pipe, closed before any response) is not the receiver's failure: the request is sent again at
   * once on a fresh connection, within the same attempt (same body, same webhook-id).
   */
  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    const started = this.monotonic();
    const first = await this.send(request, false);
    if (first !== 'stale-socket') return first;
    this.staleSocketRetries += 1;
    const again = await this.send(request, true);
    if (again !== 'stale-socket') {
      return { ...again, latencyMs: Math.max(0, Math.round(this.monotonic() - started)) };
    }
    return {
      outcome: 'network-error',
      statusCode: null,
      excerpt: 'ECONNRESET: the receiver closed the connection before responding',
      latencyMs: Math.max(0, Math.round(this.monotonic() - started)),
    };
  }

  private send(request: DeliveryRequest, fresh: boolean): Promise<DeliveryResult | 'stale-socket'> {
    const started = this.monotonic();
    const elapsed = (): number => Math.max(0, Math.round(this.monotonic() - started));
    return new Promise<DeliveryResult | 'stale-socket'>((resolve) => {
      let settled = false;
      let responded = false;
      const finish = (result: Omit<DeliveryResult, 'latencyMs'>): void => {
        if (settled) return;
        settled = true;
        resolve({ ...result, excerpt: excerpt(result.excerpt), latencyMs: elapsed() });
      };
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        finish({ outcome: 'refused', statusCode: null, excerpt: 'invalid URL' });
        return;
      }
      const host = normaliseHost(url.hostname);
      if (isIP(host) !== 0 && !this.options.allow.has(host)) {
        const reason = blockedAddressReason(host);
        if (reason !== null) {
          finish({
            outcome: 'refused',
            statusCode: null,
            excerpt: `${host} is a ${reason} address`,
          });
          return;
        }
      }
      const secure = url.protocol === 'https:';
      if (!secure && !this.options.allow.has(host)) {
        finish({
          outcome: 'refused',
          statusCode: null,
          excerpt: 'http:// to a host not allow-listed',
        });
        return;
      }
      const client = secure ? https : http;
      const req = client.request(url, {
        method: 'POST',
        // A fresh connection: a one-off agent that keeps nothing alive.
        agent: fresh
          ? new (secure ? https : http).Agent({ keepAlive: false })
          : secure
            ? this.agents.https
            : this.agents.http,
        lookup: guardedLookup(this.options.allow, this.options.resolve),
        headers: {
          ...request.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(request.body)),
          'user-agent': 'Aisle-Webhooks/1',
        },
        timeout: this.options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      });
      const deadline = setTimeout(() => {
        req.destroy(new TimeoutError());
      }, this.options.timeoutMs ?? DELIVERY_TIMEOUT_MS);
      deadline.unref();
      req.on('timeout', () => req.destroy(new TimeoutError()));
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(deadline);
        if (error instanceof TimeoutError) {
          finish({
            outcome: 'timeout',
            statusCode: null,
            excerpt: 'no response within the timeout',
          });
        } else if (
          !fresh &&
          !responded &&
          req.reusedSocket &&
          STALE_SOCKET_CODES.has(error.code ?? '')
        ) {
          if (!settled) {
            settled = true;
            resolve('stale-socket');
          }
        } else if (error instanceof BlockedTargetError) {
          finish({ outcome: 'refused', statusCode: null, excerpt: error.message });
        } else {
          finish({
            outcome: 'network-error',
            statusCode: null,
            excerpt: `${error.code ?? 'error'}: ${error.message}`,
          });
        }
      });
      req.on('response', (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        let size = 0;
        const status = res.statusCode ?? 0;
        const done = (): void => {
          clearTimeout(deadline);
          const text = Buffer.concat(chunks).toString('utf8');
          const retryAfter = res.headers['retry-after'];
          finish({
            outcome:
              status >= 200 && status < 300
                ? 'delivered'
                : status >= 300 && status < 400
                  ? 'redirect'
                  : 'http-error',
            statusCode: status,
            excerpt:
              status >= 300 && status < 400
                ? `redirect to ${String(res.headers.location ?? '?')} (not followed)`
                : text,
            ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
          size += chunk.length;
        });
        res.on('end', done);
        res.on('error', done);
        res.on('aborted', done);
      });
      req.end(request.body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** Errors of a kept-alive socket the receiver closed while it sat idle in the pool. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

function excerpt(text: string): string {
  return redactMacs(text.slice(0, RESPONSE_EXCERPT_CHARS));
}
