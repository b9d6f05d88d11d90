import { createServer } from 'node:net';
import { SmtpReceiver } from '@flowline/testing';
import { EmailSender, OutgoingEmail, redact } from './email-sender';

const email: OutgoingEmail = {
  id: 'msg_test1',
  to: ['sales@example.com', 'ae@example.com'],
  subject: 'Sequence completed: Buying Intent',
  preheader: 'Preview',
  text: 'Preview\n\nLead: ld_123\n',
  html: '<div style="display:none">Preview</div><p>Lead: ld_123</p>',
};

describe('EmailSender, against a real SMTP server', () => {
  const receiver = new SmtpReceiver({ auth: { user: 'flowline', pass: 's3cr3t-pa55' } });
  let sender: EmailSender;

  beforeAll(async () => {
    await receiver.start();
    sender = new EmailSender({ url: receiver.url, from: 'Flowline <flowline@localhost>', timeoutMs: 2000 });
  });
  afterAll(async () => {
    await sender.close();
    await receiver.stop();
  });
  beforeEach(() => {
    receiver.responder = () => undefined;
  });

  it('sends one message to every address, authenticated, with the delivery id as its Message-ID', async () => {
    const sent = await sender.send(email);
    expect(sent.result).toEqual({ kind: 'reply', code: 250, text: expect.stringContaining('queued') });
    expect(sent.rejectedRecipients).toBe(0);
    const [received] = receiver.messages.slice(-1);
    expect(received).toMatchObject({
      mailFrom: 'flowline@localhost',
      recipients: ['sales@example.com', 'ae@example.com'],
      to: ['sales@example.com', 'ae@example.com'],
      subject: 'Sequence completed: Buying Intent',
      messageId: '<msg_test1@flowline>',
      text: 'Preview\n\nLead: ld_123\n',
      html: '<div style="display:none">Preview</div><p>Lead: ld_123</p>',
      user: 'flowline',
    });
  });

  it('answers the server’s reply code when it refuses, without addresses or credentials', async () => {
    receiver.responder = () => ({ code: 451, message: 'Greylisted sales@example.com, try later' });
    const transient = await sender.send(email);
    expect(transient.result).toMatchObject({ kind: 'reply', code: 451 });
    receiver.responder = () => ({ code: 550, message: 'No such user sales@example.com' });
    const refused = await sender.send(email);
    expect(refused.result).toMatchObject({ kind: 'reply', code: 550 });
    for (const result of [transient.result, refused.result]) {
      expect(JSON.stringify(result)).not.toMatch(/example\.com|s3cr3t/);
    }
  });

  it('reports a server that is not there as a connection error', async () => {
    const port = await freePort();
    const nowhere = new EmailSender({ url: `smtp://u:hunter22@127.0.0.1:${port}`, from: 'a@b', timeoutMs: 2000 });
    const sent = await nowhere.send(email);
    await nowhere.close();
    expect(sent.result).toMatchObject({ kind: 'error', code: 'connection' });
    expect(JSON.stringify(sent.result)).not.toContain('hunter22');
  });

  it('reports wrong credentials as a refusal of the server (535: permanent)', async () => {
    const wrong = new EmailSender({
      url: receiver.url.replace('s3cr3t-pa55', 'wrong-pass'),
      from: 'a@b',
      timeoutMs: 2000,
    });
    const sent = await wrong.send(email);
    await wrong.close();
    expect(sent.result).toMatchObject({ kind: 'reply', code: 535 });
    expect(JSON.stringify(sent.result)).not.toContain('wrong-pass');
  });

  it('is not configured without SMTP_URL, and never connects before the first email', async () => {
    const none = new EmailSender({ url: undefined, from: 'a@b' });
    expect(none.configured).toBe(false);
    expect((await none.send(email)).result).toEqual({
      kind: 'error',
      code: 'config',
      message: 'SMTP_URL is not configured',
    });
    await none.close();
  });
});

describe('redact', () => {
  it('hides addresses and the given secrets', () => {
    expect(redact('550 5.1.1 <sales@example.com>: unknown; pass=hunter22', ['hunter22'])).toBe(
      '550 5.1.1 <<address>>: unknown; pass=***',
    );
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
