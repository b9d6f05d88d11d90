import { createTransport } from 'nodemailer';
import type { Mail } from 'nodemailer';
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo } from 'nodemailer/lib/smtp-pool';
import type { EmailContent } from '@flowline/contracts';
import { DEFAULT_TIMEOUT_MS } from './connection-settings';
import { SmtpResult } from './email-outcome';

export interface EmailSenderOptions {
  /** `SMTP_URL`: smtp:// or smtps://, credentials and nodemailer options (query) included. Unset: no email. */
  url?: string | undefined;
  /** `FLOWLINE_EMAIL_FROM`. */
  from: string;
  timeoutMs?: number;
  maxConnections?: number;
}

export interface OutgoingEmail extends EmailContent {
  /** The delivery id: the Message-ID, the same on every retry, so a mailbox can de-duplicate. */
  id: string;
}

export interface SentEmail {
  result: SmtpResult;
  latencyMs: number;
  /** Recipients the server refused while it accepted the message for the others. */
  rejectedRecipients: number;
}

type Transport = Mail<SMTPPoolSentMessageInfo, SMTPPoolOptions>;

/** Error codes of nodemailer (and Node) that mean the server was not reached or the session broke. */
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EPROXY',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** Codes of a transport that cannot work as configured: retrying the same message changes nothing. */
const CONFIG_CODES = new Set(['ECONFIG', 'ENOAUTH', 'EAUTH', 'EOAUTH2', 'EREQUIRETLS']);
/** Codes of a message refused by nodemailer itself, before the server said anything. */
const REJECTED_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'ESTREAM']);

/** Server texts are kept for the delivery log up to this length. */
const TEXT_LIMIT = 1024;

/**
 * Sends emails with nodemailer: one pooled SMTP transport from `SMTP_URL`, created on the first
 * email (a process that sends none never connects). What it answers never holds an address or the
 * URL's credentials: server replies and errors are redacted before they leave this class.
 */
export class EmailSender {
  private transport: Transport | undefined;
  private readonly secrets: string[];

  constructor(private readonly options: EmailSenderOptions) {
    this.secrets = credentialsOf(options.url);
  }

  /** Whether an SMTP server is configured at all; without one an email cannot be sent. */
  get configured(): boolean {
    return this.options.url !== undefined && this.options.url !== '';
  }

  async send(email: OutgoingEmail): Promise<SentEmail> {
    const started = performance.now();
    let result: SmtpResult;
    let rejectedRecipients = 0;
    if (!this.configured) {
      return {
        result: { kind: 'error', code: 'config', message: 'SMTP_URL is not configured' },
        latencyMs: 0,
        rejectedRecipients,
      };
    }
    try {
      const info = await this.transportOf().sendMail({
        from: this.options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: `<${email.id}@flowline>`,
      });
      rejectedRecipients = info.rejected.length;
      result = replyOf(info.response, 250, this.secrets);
    } catch (error) {
      result = this.failure(error);
    }
    return { result, latencyMs: performance.now() - started, rejectedRecipients };
  }

  /** Closes the pool's connections (a message still being sent finishes first). */
  close(): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    transport?.close();
    return Promise.resolve();
  }

  private transportOf(): Transport {
    if (!this.transport) {
      const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      this.transport = createTransport({
        pool: true,
        url: this.options.url!,
        maxConnections: this.options.maxConnections ?? 5,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: 2 * timeoutMs,
        dnsTimeout: timeoutMs,
        // A message whose connection closes mid-send is one attempt; the dispatcher decides on retries.
        maxRequeues: 0,
        logger: false,
        debug: false,
      });
    }
    return this.transport;
  }

  private failure(error: unknown): SmtpResult {
    const failed = (error ?? {}) as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
    const message = redact(typeof failed.message === 'string' ? failed.message : String(error), this.secrets);
    if (typeof failed.responseCode === 'number') {
      return replyOf(typeof failed.response === 'string' ? failed.response : '', failed.responseCode, this.secrets);
    }
    const code = typeof failed.code === 'string' ? failed.code : '';
    const described = code ? `${code}: ${message}` : message;
    if (code === 'ETIMEDOUT') return { kind: 'error', code: 'timeout', message: described };
    if (CONFIG_CODES.has(code)) return { kind: 'error', code: 'config', message: described };
    if (REJECTED_CODES.has(code)) return { kind: 'error', code: 'rejected', message: described };
    if (CONNECTION_CODES.has(code)) return { kind: 'error', code: 'connection', message: described };
    // Unknown: most likely the session broke; retried a few times, then dead-lettered.
    return { kind: 'error', code: 'connection', message: described };
  }
}

/** A server reply: its code (from its text when it has one) and the redacted text. */
function replyOf(response: string, fallbackCode: number, secrets: string[]): SmtpResult {
  const match = /^(\d{3})[\s-]?/.exec(response);
  const code = match ? Number(match[1]) : fallbackCode;
  const text = redact(match ? response.slice(match[0].length) : response, secrets).trim();
  return { kind: 'reply', code, text: text.slice(0, TEXT_LIMIT) };
}

const ADDRESS = /[^\s<>()[\]"',;:@]+@[^\s<>()[\]"',;:@]+/g;

/** Addresses and the URL's credentials out of a text that may be logged. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let redacted = text.replace(/\u0000/g, '');
  for (const secret of secrets) redacted = redacted.split(secret).join('***');
  return redacted.replace(ADDRESS, '<address>');
}

/** The user and password of an SMTP URL (raw and decoded), to keep them out of any text. */
function credentialsOf(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const parsed = new URL(url);
    return [parsed.username, parsed.password, decode(parsed.username), decode(parsed.password)].filter(
      (value, index, all) => value.length >= 3 && all.indexOf(value) === index,
    );
  } catch {
    return [];
  }
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
