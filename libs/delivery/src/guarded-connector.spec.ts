import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AddressLookup, RefusedTargetError, resolveAllowedAddresses } from './guarded-connector';
import { TargetAllowList } from './target-guard';
import { WebhookSender } from './webhook-sender';

/** A lookup answering from a script, one answer per call (the last answer repeats). */
function scriptedLookup(...answers: string[][]): AddressLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = (hostname: string) => {
    calls.push(hostname);
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    return Promise.resolve(answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return Object.assign(lookup, { calls });
}

describe('resolveAllowedAddresses', () => {
  const none = TargetAllowList.NONE;

  it('checks every resolution: a public answer, then a private one (DNS rebinding), is refused', async () => {
    const lookup = scriptedLookup(['93.184.216.34'], ['10.0.0.7']);
    await expect(resolveAllowedAddresses('rebind.example', none, lookup)).resolves.toEqual([
      { address: '93.184.216.34', family: 4 },
    ]);
    await expect(resolveAllowedAddresses('rebind.example', none, lookup)).rejects.toThrow(
      new RefusedTargetError(
        'target rebind.example resolves to a private address: allow it with FLOWLINE_ALLOW_PRIVATE_TARGETS',
      ),
    );
    expect(lookup.calls).toEqual(['rebind.example', 'rebind.example']);
  });

  it('refuses a name when any of its addresses is forbidden', async () => {
    const lookup = scriptedLookup(['93.184.216.34', '::ffff:169.254.169.254']);
    await expect(resolveAllowedAddresses('mixed.example', none, lookup)).rejects.toThrow(/cloud metadata/);
  });

  it('judges IP literals and numeric forms without resolving them', async () => {
    const lookup = scriptedLookup(['93.184.216.34']);
    for (const host of ['127.0.0.1', '::ffff:7f00:1', '2130706433', '0x7f000001', '0177.0.0.1', '127.1']) {
      await expect(resolveAllowedAddresses(host, none, lookup)).rejects.toBeInstanceOf(RefusedTargetError);
    }
    await expect(resolveAllowedAddresses('8.8.8.8', none, lookup)).resolves.toEqual([
      { address: '8.8.8.8', family: 4 },
    ]);
    expect(lookup.calls).toEqual([]);
  });

  it('lets an allow-listed host name resolve anywhere, and allow-listed addresses through', async () => {
    const lookup = scriptedLookup(['10.0.0.7']);
    await expect(
      resolveAllowedAddresses('crm.internal', TargetAllowList.parse(['crm.internal']), lookup),
    ).resolves.toEqual([{ address: '10.0.0.7', family: 4 }]);
    await expect(
      resolveAllowedAddresses('other.internal', TargetAllowList.parse(['10.0.0.0/24']), lookup),
    ).resolves.toEqual([{ address: '10.0.0.7', family: 4 }]);
    await expect(
      resolveAllowedAddresses('other.internal', TargetAllowList.parse(['crm.internal']), lookup),
    ).rejects.toBeInstanceOf(RefusedTargetError);
  });
});

describe('WebhookSender behind the SSRF guard (real HTTP on loopback)', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests += 1;
      request.resume();
      // No keep-alive: every request needs a new connection, so every one goes through the guard.
      response.writeHead(200, { connection: 'close' }).end('ok');
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    connections = 0;
    requests = 0;
  });

  const post = (sender: WebhookSender, url: string) =>
    sender.send({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5000 });

  it('refuses every loopback form with no connection made', async () => {
    const sender = new WebhookSender();
    try {
      for (const host of [
        '127.0.0.1',
        '[::ffff:127.0.0.1]',
        '[::ffff:7f00:1]',
        '2130706433',
        '0x7f000001',
        '0177.0.0.1',
        '127.1',
        'localhost',
        '[::1]',
        '[::]',
        '0.0.0.0',
      ]) {
        const sent = await post(sender, `http://${host}:${port}/hook`);
        expect(sent.result).toEqual({ kind: 'error', code: 'refused_target', message: expect.any(String) });
      }
    } finally {
      await sender.close();
    }
    expect(connections).toBe(0);
    expect(requests).toBe(0);
  });

  it('connects when the address is allow-listed', async () => {
    const sender = new WebhookSender({ allowPrivateTargets: TargetAllowList.parse(['127.0.0.0/8', '::1']) });
    try {
      for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '2130706433', '0x7f000001', 'localhost']) {
        const sent = await post(sender, `http://${host}:${port}/hook`);
        expect(sent.result).toMatchObject({ kind: 'response', status: 200 });
      }
    } finally {
      await sender.close();
    }
    expect(requests).toBe(5);
  });

  it('connects to the address it checked, and checks again on each connection (DNS rebinding)', async () => {
    // The name resolves nowhere but through the injected lookup: an answer that is used proves
    // the socket went to the checked address, not to a second resolution of its own.
    const lookup = scriptedLookup(['127.0.0.1'], ['10.0.0.7'], ['127.0.0.1', '169.254.169.254']);
    const sender = new WebhookSender({ allowPrivateTargets: TargetAllowList.parse(['127.0.0.1/32']), lookup });
    try {
      expect((await post(sender, `http://rebind.flowline.test:${port}/a`)).result).toMatchObject({ status: 200 });
      const rebound = await post(sender, `http://rebind.flowline.test:${port}/b`);
      expect(rebound.result).toEqual({
        kind: 'error',
        code: 'refused_target',
        message: expect.stringMatching(/resolves to a private address/),
      });
      const mixed = await post(sender, `http://rebind.flowline.test:${port}/c`);
      expect(mixed.result).toMatchObject({ code: 'refused_target', message: expect.stringMatching(/cloud metadata/) });
    } finally {
      await sender.close();
    }
    expect(lookup.calls).toEqual(['rebind.flowline.test', 'rebind.flowline.test', 'rebind.flowline.test']);
    expect(connections).toBe(1);
    expect(requests).toBe(1);
  });
});
