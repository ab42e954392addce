import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An Axis-like live-sum endpoint on 127.0.0.1: sums since midnight, stamped with the time now.
 * With `basicAuth` (`user:password`) it answers 401 to any request without those credentials.
 */
export class LiveSumDevice {
  in = 40;
  out = 30;
  /** Requests answered with counts. */
  served = 0;
  /** Requests refused for missing or wrong credentials. */
  refused = 0;
  readonly server: Server;

  constructor(options: { basicAuth?: string } = {}) {
    const expected =
      options.basicAuth === undefined
        ? undefined
        : `Basic ${Buffer.from(options.basicAuth).toString('base64')}`;
    this.server = createServer((req, res) => {
      if (expected !== undefined && req.headers.authorization !== expected) {
        this.refused += 1;
        res.writeHead(401).end();
        return;
      }
      this.served += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          serial: 'ACCC8E0000C2',
          name: 'Side door',
          timestamp: new Date().toISOString(),
          in: this.in,
          out: this.out,
        }),
      );
    });
  }

  /** Starts listening on a free port; resolves to the live-sum URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/local/pcounter/live_sum.cgi`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
