import type {
  BleAdvertisement,
  BleScannerPort,
  BleScannerStatus,
  CapturedFrame,
  FrameSourcePort,
  HttpPushPort,
  MqttPort,
  PushRequest,
  PushResponse,
  PushRoute,
  Unsubscribe,
} from '../ports.js';

/** MQTT topic filter matching with `+` and `#`, as brokers do. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** In-memory broker for plugin tests: `deliver(topic, payload)` plays a device message. */
export class FakeMqttPort implements MqttPort {
  readonly published: { topic: string; payload: Buffer }[] = [];
  private subscriptions = new Set<{
    filter: string;
    handler: (topic: string, payload: Buffer) => void;
  }>();

  subscribe(
    filter: string,
    handler: (topic: string, payload: Buffer) => void,
  ): Promise<Unsubscribe> {
    const sub = { filter, handler };
    this.subscriptions.add(sub);
    return Promise.resolve(() => {
      this.subscriptions.delete(sub);
    });
  }

  publish(topic: string, payload: string | Buffer): Promise<void> {
    const buffer = typeof payload === 'string' ? Buffer.from(payload) : payload;
    this.published.push({ topic, payload: buffer });
    this.deliver(topic, buffer);
    return Promise.resolve();
  }

  deliver(topic: string, payload: string | Buffer | object): void {
    const buffer = Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    for (const sub of [...this.subscriptions]) {
      if (topicMatches(sub.filter, topic)) sub.handler(topic, buffer);
    }
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }
}

/** Routes registered by a plugin, callable directly: `request({ method, path, body })`. */
export class FakeHttpPushPort implements HttpPushPort {
  private routes = new Map<string, PushRoute>();

  constructor(private readonly mount = '/push/test') {}

  route(route: PushRoute): { path: string; unregister: Unsubscribe } {
    const key = `${route.method} ${route.path}`;
    this.routes.set(key, route);
    return { path: `${this.mount}/${route.path}`, unregister: () => void this.routes.delete(key) };
  }

  async request(input: {
    method: 'GET' | 'POST';
    path: string;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    body?: string | object | Buffer;
  }): Promise<PushResponse> {
    const route = this.routes.get(`${input.method} ${input.path}`);
    if (!route) return { status: 404, body: { error: 'no such route' } };
    const body = Buffer.isBuffer(input.body)
      ? input.body
      : Buffer.from(
          input.body === undefined
            ? ''
            : typeof input.body === 'string'
              ? input.body
              : JSON.stringify(input.body),
        );
    const request: PushRequest = {
      method: input.method,
      path: input.path,
      headers: input.headers ?? {},
      query: input.query ?? {},
      body,
    };
    return route.handle(request);
  }

  get routeCount(): number {
    return this.routes.size;
  }
}

/** A scanner that plays advertisements the test gives it. */
export class FakeBleScanner implements BleScannerPort {
  running = false;
  adapterPresent = true;
  /** Adapter of the last start(). */
  adapter: string | undefined;
  private listener: ((ad: BleAdvertisement) => void) | undefined;
  private statusListener: ((status: BleScannerStatus) => void) | undefined;

  start(options: {
    adapter?: string;
    onAdvertisement: (ad: BleAdvertisement) => void;
    onStatus?: (status: BleScannerStatus) => void;
  }): Promise<void> {
    if (!this.adapterPresent) {
      return Promise.reject(new Error(`adapter ${options.adapter ?? 'hci0'} not found`));
    }
    this.running = true;
    this.adapter = options.adapter;
    this.listener = options.onAdvertisement;
    this.statusListener = options.onStatus;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.running = false;
    this.listener = undefined;
    this.statusListener = undefined;
    return Promise.resolve();
  }

  /** Plays the adapter going away (`available: false`) or coming back. */
  reportStatus(status: BleScannerStatus): void {
    if (this.running) this.statusListener?.(status);
  }

  advertise(ad: BleAdvertisement): void {
    if (this.running) this.listener?.(ad);
  }
}

/** Frames from memory instead of a capture file or interface. */
export class FakeFrameSource implements FrameSourcePort {
  constructor(private readonly frames: readonly CapturedFrame[]) {}

  async *open(
    _spec: { file: string } | { interface: string },
    signal: AbortSignal,
  ): AsyncIterable<CapturedFrame> {
    for (const frame of this.frames) {
      if (signal.aborted) return;
      yield frame;
      await Promise.resolve();
    }
  }
}
