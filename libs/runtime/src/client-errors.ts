import { maxHeaderSize, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused client may go on sending before its connection is closed anyway. */
const DRAIN_MS = 5_000;

const ANSWERS: Record<string, { status: number; reason: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    message: `the request line and headers are over the limit of ${maxHeaderSize} bytes`,
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', message: 'the request took too long to arrive' },
};

const BAD_REQUEST = { status: 400, reason: 'Bad Request', message: 'the request is not valid HTTP/1.1' };

/**
 * Answers requests Node refuses before any handler sees them (a 100 KB URL, oversized headers,
 * malformed HTTP) with a JSON answer, then drains what the client still sends. Node's own answer
 * destroys the socket at once, so a client still writing its request meets a reset connection
 * instead of the 431.
 */
export function answerClientErrors(server: Server): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const answer = ANSWERS[error.code ?? ''] ?? BAD_REQUEST;
    const body = JSON.stringify({ statusCode: answer.status, error: answer.reason, message: answer.message });
    socket.end(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.resume();
    setTimeout(() => socket.destroy(), DRAIN_MS).unref();
  });
}
