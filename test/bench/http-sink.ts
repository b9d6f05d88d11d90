/**
 * A webhook receiver in a process of its own, as a real one would be, on two ports (its first
 * message says which): it answers at once (200, or 503 to any path starting with `/fail/`; a
 * path starting with `/slow/` is answered 200 after `SLOW_ANSWER_MS`),
 * counts requests and measures each one's latency from the `sentAt` in its body. The parent asks over IPC: `{ wait: n }` answers `{ count, latencies,
 * paths }` once n requests arrived (`{ wait: n, path }`: once n requests to `path` were accepted);
 * `paths` has, per path, the requests, those accepted (2xx), and the first and last accepted
 * request's arrival (epoch ms). `{ reset: true }` forgets everything counted so far.
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface PathStats {
  requests: number;
  accepted: number;
  firstAcceptedAt: number;
  lastAcceptedAt: number;
}

export interface SinkReport {
  count: number;
  latencies: number[];
  paths: Record<string, PathStats>;
}

/** How long a `/slow/` path takes to answer (the parent says): a receiver that keeps up, slowly. */
const SLOW_ANSWER_MS = Number(process.env.SINK_SLOW_ANSWER_MS ?? 200);

let count = 0;
let latencies: number[] = [];
let paths = new Map<string, PathStats>();
let waiting: { until: number; path?: string } | undefined;

function answerIfDone(): void {
  if (!waiting) return;
  const reached = waiting.path === undefined ? count : (paths.get(waiting.path)?.accepted ?? 0);
  if (reached < waiting.until) return;
  waiting = undefined;
  const report: SinkReport = { count, latencies, paths: Object.fromEntries(paths) };
  process.send?.(report);
  latencies = [];
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const now = Date.now();
    count += 1;
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sentAt?: number };
    if (typeof body.sentAt === 'number') latencies.push(now - body.sentAt);
    const path = req.url ?? '/';
    const failing = path.startsWith('/fail/');
    let stats = paths.get(path);
    if (!stats) {
      stats = { requests: 0, accepted: 0, firstAcceptedAt: 0, lastAcceptedAt: 0 };
      paths.set(path, stats);
    }
    stats.requests += 1;
    if (!failing) {
      stats.accepted += 1;
      if (stats.accepted === 1) stats.firstAcceptedAt = now;
      stats.lastAcceptedAt = now;
    }
    const answer = () => {
      res.writeHead(failing ? 503 : 200, { 'content-type': 'application/json' }).end('{"ok":true}');
      answerIfDone();
    };
    if (path.startsWith('/slow/')) setTimeout(answer, SLOW_ANSWER_MS);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
// A second port, so two connections can be two origins (each with its own client connection pool).
const second = createServer((req, res) => server.emit('request', req, res));
second.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () =>
  second.listen(0, '127.0.0.1', () =>
    process.send?.({
      port: (server.address() as AddressInfo).port,
      secondPort: (second.address() as AddressInfo).port,
    }),
  ),
);
process.on('message', (message: { wait?: number; path?: string; reset?: boolean }) => {
  if (message.reset) {
    count = 0;
    latencies = [];
    paths = new Map();
  }
  if (message.wait !== undefined) {
    waiting = { until: message.wait, ...(message.path === undefined ? {} : { path: message.path }) };
    answerIfDone();
  }
});
process.on('disconnect', () => {
  second.close();
  server.close(() => process.exit(0));
});
