import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { CountWaiter } from './count-waiter';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** What the receiver answers; by default 200. Tests make it fail, stall or recover. */
export type Responder = (
  request: ReceivedRequest,
  index: number,
) => {
  status: number;
  headers?: Record<string, string>;
  /** Answers this much later: a slow receiver. */ delayMs?: number;
};

/**
 * A real HTTP server on loopback that records every request, for tests and the demo. Waiting
 * for requests is event-driven: `waitForCount` resolves the moment the n-th request arrives.
 */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly arrivals = new CountWaiter(() => this.requests.length, 'HTTP receiver requests');
  private server: Server | undefined;
  responder: Responder = () => ({ status: 200 });
  /** Requests being answered now, and the most ever at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Requests answered so far (a slow receiver answers later than it receives). */
  answered = 0;

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = {
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        const index = this.requests.length;
        const answer = this.responder(request, index);
        this.requests.push(request);
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const respond = (): void => {
          this.inFlight -= 1;
          this.answered += 1;
          if (res.destroyed) return; // the client gave up waiting (its timeout)
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(JSON.stringify({ received: true }));
        };
        if (answer.delayMs) setTimeout(respond, answer.delayMs);
        else respond();
        this.arrivals.notify();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('receiver not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Parsed JSON bodies of the requests received so far. */
  bodies<T = unknown>(): T[] {
    return this.requests.map((request) => JSON.parse(request.body) as T);
  }

  waitForCount(count: number, timeoutMs = 60_000): Promise<void> {
    return this.arrivals.waitFor(count, timeoutMs);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
