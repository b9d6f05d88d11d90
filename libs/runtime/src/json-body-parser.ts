import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonNestsDeeperThan } from './json-depth';

/** How deep a request body may nest objects and arrays: far beyond any real body, far below a stack overflow. */
export const MAX_REQUEST_JSON_DEPTH = 100;

/** The most a request's body may hold, and the setting an operator changes to move it. */
export interface BodyLimit {
  bytes: number;
  setting: string;
  /** What a caller over the limit can do instead. */
  advice?: string;
}

export interface JsonBodyParserOptions {
  limitFor(request: IncomingMessage): BodyLimit;
  maxDepth: number;
}

type Next = (error?: unknown) => void;

/** `application/json` and `application/<anything>+json` (RFC 6839), with no charset but UTF-8. */
function jsonMediaTypeProblem(contentType: string | undefined): string | undefined {
  const sample = (contentType ?? '').slice(0, 100);
  const [type = '', ...parameters] = sample.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    return contentType
      ? `send the body as JSON with content-type: application/json, not ${JSON.stringify(sample)}`
      : 'send the body as JSON with content-type: application/json';
  }
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && !['utf-8', 'utf8', '"utf-8"'].includes(charset)) {
    return `JSON bodies are UTF-8; charset ${JSON.stringify(charset.slice(0, 40))} is not accepted`;
  }
  return undefined;
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (response.headersSent) return;
  const text = JSON.stringify({ statusCode: status, ...body });
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.setHeader('content-length', Buffer.byteLength(text));
  response.end(text);
}

function tooLarge(response: ServerResponse, limit: BodyLimit): void {
  answer(response, 413, {
    error: 'Payload Too Large',
    message: `the request body is over the limit of ${limit.bytes} bytes (${limit.setting})${limit.advice ? `; ${limit.advice}` : ''}`,
    limit_bytes: limit.bytes,
  });
}

function badRequest(response: ServerResponse, problem: string): void {
  answer(response, 400, { error: 'Bad Request', message: [problem] });
}

/**
 * The one JSON body parser of every Flowline HTTP server, in place of Express's default (100 KB,
 * any depth, form bodies too). A body must be declared JSON (else 415), uncompressed (415), within
 * its route's byte limit (413, naming the limit and its setting, checked against the declared
 * length first and then while reading), UTF-8 (400), no deeper than `maxDepth` (400, checked on
 * the bytes before parsing), valid JSON (400) and an object or an array (400). What passes is
 * `request.body`; a request without a body leaves it undefined.
 */
export function jsonBodyParser(options: JsonBodyParserOptions) {
  return (request: IncomingMessage & { body?: unknown }, response: ServerResponse, next: Next): void => {
    if (!hasBody(request)) return next();
    const mediaTypeProblem = jsonMediaTypeProblem(request.headers['content-type']);
    if (mediaTypeProblem) return answer(response, 415, { error: 'Unsupported Media Type', message: mediaTypeProblem });
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      return answer(response, 415, {
        error: 'Unsupported Media Type',
        message: 'send the body uncompressed: content-encoding is not accepted',
      });
    }
    const limit = options.limitFor(request);
    if (Number(request.headers['content-length'] ?? 0) > limit.bytes) return tooLarge(response, limit);

    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const stop = (): void => {
      done = true;
      request.removeListener('data', onData);
      // What the client still sends is read and dropped, so it reads the answer instead of
      // meeting a reset connection; nothing more is kept.
      request.resume();
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit.bytes) {
        stop();
        return tooLarge(response, limit);
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('error', () => {
      if (done) return;
      stop();
      badRequest(response, 'the request body could not be read to its end');
    });
    request.once('end', () => {
      if (done) return;
      done = true;
      const bytes = Buffer.concat(chunks, received);
      if (!isUtf8(bytes)) return badRequest(response, 'the body is not valid UTF-8');
      if (jsonNestsDeeperThan(bytes, options.maxDepth)) {
        return badRequest(response, `the body nests objects and arrays deeper than ${options.maxDepth} levels`);
      }
      let body: unknown;
      try {
        body = JSON.parse(bytes.toString('utf8'));
      } catch (error) {
        return badRequest(response, `the body is not valid JSON: ${(error as Error).message}`);
      }
      if (typeof body !== 'object' || body === null) {
        return badRequest(response, 'the body must be a JSON object or array');
      }
      request.body = body;
      next();
    });
  };
}
