import type { AddressInfo } from 'node:net';
import { CountWaiter } from './count-waiter';
import type { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

export interface ReceivedEmail {
  /** Envelope: `MAIL FROM` and every `RCPT TO`, as the server saw them. */
  mailFrom: string;
  recipients: string[];
  /** Parsed message. */
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  text: string;
  html: string;
  raw: string;
  /** The user the client authenticated as, when it did. */
  user: string | undefined;
  receivedAt: number;
}

/**
 * The reply to a submitted message, by its index among all submissions (refused ones included):
 * `undefined` accepts it (250); a code refuses it, e.g. 451 (try again later) or 550 (refused).
 */
export type SmtpResponder = (index: number) => { code: number; message: string } | undefined;

export interface SmtpReceiverOptions {
  /** Credentials the server requires; without, it accepts anyone (and no AUTH). */
  auth?: { user: string; pass: string };
}

/**
 * A real SMTP server on loopback (smtp-server) that records every accepted message, parsed by
 * mailparser, for tests. Plain SMTP without STARTTLS: `url` is what `SMTP_URL` takes. Waiting is
 * event-driven: `waitForCount` resolves the moment the n-th message is accepted.
 * smtp-server and mailparser are development dependencies, loaded when the receiver starts.
 */
export class SmtpReceiver {
  readonly messages: ReceivedEmail[] = [];
  /** Every submission's reply code, refused ones included, in order. */
  readonly replies: number[] = [];
  private readonly arrivals = new CountWaiter(() => this.messages.length, 'SMTP receiver messages');
  private server: SMTPServer | undefined;
  responder: SmtpResponder = () => undefined;

  constructor(private readonly options: SmtpReceiverOptions = {}) {}

  async start(port = 0): Promise<string> {
    const [{ SMTPServer }, { simpleParser }] = await Promise.all([import('smtp-server'), import('mailparser')]);
    const auth = this.options.auth;
    const server = new SMTPServer({
      logger: false,
      // Stopping does not wait (30 s by default) for a client's idle pooled connection to quit.
      closeTimeout: 500,
      hideSTARTTLS: true,
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !auth,
      allowInsecureAuth: true,
      onAuth: (credentials, _session, callback) => {
        if (auth && credentials.username === auth.user && credentials.password === auth.pass)
          callback(null, { user: credentials.username });
        else callback(new Error('Invalid username or password'));
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (error: Error) => callback(error));
        stream.on('end', () => {
          const index = this.replies.length;
          const answer = this.responder(index);
          this.replies.push(answer?.code ?? 250);
          if (answer) {
            callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
            return;
          }
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (parsed) => {
              this.messages.push({
                mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                recipients: session.envelope.rcptTo.map((recipient) => recipient.address),
                from: addresses(parsed.from).join(', '),
                to: addresses(parsed.to),
                subject: parsed.subject ?? '',
                messageId: parsed.messageId ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                raw: raw.toString('utf8'),
                user: typeof session.user === 'string' ? session.user : undefined,
                receivedAt: Date.now(),
              });
              callback(null, 'queued');
              this.arrivals.notify();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return this.url;
  }

  /** `smtp://[user:pass@]127.0.0.1:<port>`: what `SMTP_URL` takes. */
  get url(): string {
    const address = this.server?.server.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('SMTP receiver not started');
    const auth = this.options.auth;
    const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';
    return `smtp://${credentials}127.0.0.1:${address.port}`;
  }

  /** The accepted messages that went to `address` (envelope recipients). */
  to(address: string): ReceivedEmail[] {
    return this.messages.filter((message) => message.recipients.includes(address));
  }

  waitForCount(count: number, timeoutMs = 60_000): Promise<void> {
    return this.arrivals.waitFor(count, timeoutMs);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function addresses(
  header: { value: Array<{ address?: string }> } | Array<{ value: Array<{ address?: string }> }> | undefined,
): string[] {
  const headers = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return headers.flatMap((one) => one.value.map((entry) => entry.address ?? ''));
}
