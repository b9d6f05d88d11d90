import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { TargetAllowList } from './target-guard';
import { WebhookSender } from './webhook-sender';

/** A receiver on 127.0.0.1 whose answer each test sets. */
describe('WebhookSender against a real receiver', () => {
  let server: Server;
  let url: string;
  let answer: (request: IncomingMessage, response: ServerResponse) => void;
  const sender = new WebhookSender({ allowPrivateTargets: TargetAllowList.parse(['127.0.0.0/8']) });
  const post = () =>
    sender.send({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5_000 });

  beforeAll(async () => {
    server = createServer((request, response) => answer(request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await sender.close();
    server.closeAllConnections();
    server.close();
  });

  it('keeps the first KiB of the body as the excerpt, and the status decides the outcome', async () => {
    const body = 'a'.repeat(1024) + 'b'.repeat(2048);
    answer = (_request, response) => response.writeHead(201, { 'content-type': 'text/plain' }).end(body);
    const sent = await post();
    expect(sent.result).toEqual({ kind: 'response', status: 201, retryAfter: undefined });
    expect(sent.responseExcerpt).toBe('a'.repeat(1024));
  });

  it('gives no excerpt for an empty body, and reads Retry-After', async () => {
    answer = (_request, response) => response.writeHead(503, { 'retry-after': '7' }).end();
    const sent = await post();
    expect(sent.result).toEqual({ kind: 'response', status: 503, retryAfter: '7' });
    expect(sent.responseExcerpt).toBeNull();
  });

  it('strips NUL from a binary body (PostgreSQL text cannot hold it)', async () => {
    answer = (_request, response) => response.writeHead(200).end(Buffer.from([0x6f, 0x00, 0x6b, 0x00]));
    expect((await post()).responseExcerpt).toBe('ok');
  });

  it('stops reading a body that never ends: the receiver sees its connection closed', async () => {
    let written = 0;
    let closed!: Promise<unknown>;
    answer = (_request, response) => {
      closed = once(response, 'close');
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      // Writes as long as the client reads: without the cap this never ends.
      const pump = (): void => {
        while (!response.destroyed && response.write(chunk)) written += chunk.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    };
    const sent = await post();
    expect(sent.result).toMatchObject({ kind: 'response', status: 200 });
    expect(sent.responseExcerpt).toBe('x'.repeat(1024));
    await closed;
    // Read up to 64 KiB; what the sockets' buffers took beyond that is bounded by them, not by the body.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });
});
