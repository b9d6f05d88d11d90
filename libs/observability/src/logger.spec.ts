import { Writable } from 'node:stream';
import { createLogger } from './logger';

describe('createLogger', () => {
  it("keeps a database error's message but not the statement's parameters", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', sink);
    const error = Object.assign(new Error('duplicate key value violates unique constraint'), {
      query: 'INSERT INTO deliveries ...',
      parameters: ['{"email":"ada@example.com"}'],
      driverError: { detail: 'Key (id)=(msg_1) already exists.' },
    });
    logger.warn({ err: error }, 'write failed');
    const line = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    expect(line.err.message).toBe('duplicate key value violates unique constraint');
    expect(lines[0]).not.toContain('ada@example.com');
    expect(line.err).not.toHaveProperty('parameters');
    expect(line.err).not.toHaveProperty('driverError');
  });
});
