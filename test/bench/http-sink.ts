/**
 * A webhook receiver in a process of its own, as a real one would be: it answers 200 at once,
 * counts requests and measures each one's latency from the `sentAt` in its body. The parent
 * asks over IPC: `{ wait: n }` answers `{ count, latencies }` once n requests arrived.
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

let count = 0;
let latencies: number[] = [];
let waiting: { until: number } | undefined;

function answerIfDone(): void {
  if (waiting && count >= waiting.until) {
    waiting = undefined;
    process.send?.({ count, latencies });
    latencies = [];
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    count += 1;
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sentAt?: number };
    if (typeof body.sentAt === 'number') latencies.push(Date.now() - body.sentAt);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    answerIfDone();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('message', (message: { wait?: number; reset?: boolean }) => {
  if (message.reset) latencies = [];
  if (message.wait !== undefined) {
    waiting = { until: message.wait };
    answerIfDone();
  }
});
process.on('disconnect', () => server.close(() => process.exit(0)));
