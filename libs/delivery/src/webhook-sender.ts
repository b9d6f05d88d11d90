import type { Readable } from 'node:stream';
import { Agent, Dispatcher, errors, request } from 'undici';
import { storableText } from '@flowline/contracts';
import { AttemptResult } from './classify-outcome';
import { AddressLookup, guardedConnector, refusedTargetIn } from './guarded-connector';
import { TargetAllowList } from './target-guard';

export interface OutgoingRequest {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface SentRequest {
  result: AttemptResult;
  latencyMs: number;
  /** The first KiB of the response body, for the delivery log. */
  responseExcerpt: string | null;
}

const RESPONSE_EXCERPT_BYTES = 1024;
/** Bodies beyond this are not read: a receiver cannot make Flowline buffer megabytes. */
const RESPONSE_READ_LIMIT = 64 * 1024;

export interface WebhookSenderOptions {
  connectionsPerOrigin?: number;
  /** Targets the SSRF guard lets through (FLOWLINE_ALLOW_PRIVATE_TARGETS); none by default. */
  allowPrivateTargets?: TargetAllowList;
  /** The resolver the guard uses; tests inject one. */
  lookup?: AddressLookup;
}

/**
 * Sends webhook requests with undici. One agent per process pools connections per origin;
 * redirects are never followed and response bodies are read only up to a cap. Every socket is
 * opened through the SSRF guard (`guardedConnector`): a refused target is never connected to.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(options: WebhookSenderOptions = {}) {
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 64,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: guardedConnector({
        allow: options.allowPrivateTargets ?? TargetAllowList.NONE,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      }),
    });
  }

  /** The guarded agent, for the other requests made on a delivery's behalf (OAuth2 token URLs). */
  get dispatcher(): Dispatcher {
    return this.agent;
  }

  async send(outgoing: OutgoingRequest): Promise<SentRequest> {
    const started = performance.now();
    // The whole attempt's deadline. Not `AbortSignal.timeout`: its timer outlives the request and
    // fires anyway, for every request sent, building an exception and an abort event nobody hears
    // (2 % of a busy dispatcher, issue 13). This one is cleared once the attempt is over.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      outgoing.timeoutMs,
    );
    // As AbortSignal.timeout's: an attempt in flight does not keep the process alive.
    timer.unref();
    try {
      return await this.attempt(outgoing, deadline.signal, started);
    } finally {
      clearTimeout(timer);
    }
  }

  private async attempt(outgoing: OutgoingRequest, signal: AbortSignal, started: number): Promise<SentRequest> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(outgoing.url, {
        method: outgoing.method,
        headers: outgoing.headers,
        body: outgoing.body ?? null,
        dispatcher: this.agent,
        signal,
        headersTimeout: outgoing.timeoutMs,
        bodyTimeout: outgoing.timeoutMs,
      });
    } catch (error) {
      const refused = refusedTargetIn(error);
      if (refused) {
        return {
          result: { kind: 'error', code: 'refused_target', message: refused.message },
          latencyMs: performance.now() - started,
          responseExcerpt: null,
        };
      }
      const timedOut =
        signal.aborted || error instanceof errors.HeadersTimeoutError || error instanceof errors.ConnectTimeoutError;
      return {
        result: { kind: 'error', code: timedOut ? 'timeout' : 'connection', message: describeError(error) },
        latencyMs: performance.now() - started,
        responseExcerpt: null,
      };
    }
    // The status decides the outcome: a body that fails to arrive after a 2xx does not make the
    // delivery fail (and be sent again); it only leaves the excerpt empty.
    const excerpt = await readExcerpt(response.body).catch(() => null);
    const retryAfter = response.headers['retry-after'];
    return {
      result: {
        kind: 'response',
        status: response.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      },
      latencyMs: performance.now() - started,
      responseExcerpt: excerpt,
    };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/**
 * The first KiB of a response body, reading at most `RESPONSE_READ_LIMIT` bytes of it. With the
 * stream's events rather than `for await`: the async iterator cost a busy dispatcher 4 % of its
 * time (issue 13), for bodies that are mostly one chunk.
 */
function readExcerpt(body: Readable): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    // Listeners stay: an error after the end settles nothing, but must have a listener.
    const done = (): void => {
      if (total === 0) return resolve(null);
      resolve(storableText(Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8')));
    };
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= RESPONSE_READ_LIMIT) {
        body.destroy();
        done();
      }
    });
    body.on('end', done);
    body.on('error', reject);
  });
}

/** An undici error as a log-safe line: codes and messages, which carry no request header or body. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return storableText([code, error.message, cause?.code].filter(Boolean).join(': '));
  }
  return storableText(String(error));
}
