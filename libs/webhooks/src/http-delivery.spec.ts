import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HttpDeliverer } from './http-delivery.js';
import { AllowList } from './ssrf.js';

/** A receiver whose behaviour per request is decided by `policy` (request n on its socket). */
async function receiver(
  policy: (context: { nthOnSocket: number; res: ServerResponse; req: IncomingMessage }) => void,
): Promise<{ server: Server; url: string; ids: string[]; connections: number }> {
  const perSocket = new WeakMap<Socket, number>();
  const state = { ids: [] as string[], connections: 0 };
  const server = createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    state.ids.push(String(req.headers['webhook-id']));
    req.resume();
    req.on('end', () => policy({ nthOnSocket: n, res, req }));
  });
  server.on('connection', () => (state.connections += 1));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    server,
    url: `http://127.0.0.1:${port}/hook`,
    get ids() {
      return state.ids;
    },
    get connections() {
      return state.connections;
    },
  };
}

const ok = (res: ServerResponse) => {
  res.writeHead(200, { connection: 'keep-alive' });
  res.end('ok');
};

describe(HttpDeliverer.name, () => {
  let sut: HttpDeliverer;
  let server: Server | undefined;
  beforeEach(() => {
    sut = new HttpDeliverer({ allow: new AllowList(['127.0.0.1']) });
  });
  afterEach(async () => {
    sut.close();
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  it('sends again at once on a fresh connection when a kept-alive socket was reset, same webhook-id, one attempt', async () => {
    // The second request on any socket is reset before a response: a receiver that dropped
    // the idle connection just as the hub reused it.
    const target = await receiver(({ nthOnSocket, res, req }) => {
      if (nthOnSocket >= 2) req.socket.resetAndDestroy();
      else ok(res);
    });
    server = target.server;
    const message = (id: string) => ({
      url: target.url,
      headers: { 'webhook-id': id },
      body: '{}',
    });

    const first = await sut.deliver(message('msg_1'));
    const second = await sut.deliver(message('msg_2'));

    expect(first.outcome).toBe('delivered');
    expect(second).toMatchObject({ outcome: 'delivered', statusCode: 200 });
    expect(sut.staleSocketRetries).toBe(1);
    expect(target.ids).toEqual(['msg_1', 'msg_2', 'msg_2']);
    expect(target.connections).toBe(2);
  });

  it('reports a reset on a fresh connection as the failure it is (no silent second try)', async () => {
    const target = await receiver(({ req }) => req.socket.resetAndDestroy());
    server = target.server;

    const result = await sut.deliver({
      url: target.url,
      headers: { 'webhook-id': 'm' },
      body: '{}',
    });

    expect(result.outcome).toBe('network-error');
    expect(sut.staleSocketRetries).toBe(0);
    expect(target.ids).toEqual(['m']);
  });
});
