import { Writable } from 'node:stream';
import { createLogger, serializeError, serializeRequest } from './logger';

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

  it("keeps the row's values of PostgreSQL's detail and where out, and a refused value out of the message", () => {
    const error = Object.assign(new Error('invalid input syntax for type uuid: "ada@example.com"'), {
      code: '22P02',
      table: 'deliveries',
      detail: 'Key (tenant_id, name)=(acme, ada@example.com) already exists.',
      where: "unnamed portal parameter $2 = 'ada@example.com'",
      query: 'SELECT 1',
      parameters: ['ada@example.com'],
    });
    const serialized = serializeError(error) as Record<string, unknown>;
    expect(JSON.stringify(serialized)).not.toContain('ada@example.com');
    expect(serialized).toMatchObject({
      message: 'invalid input syntax for type uuid',
      code: '22P02',
      table: 'deliveries',
    });
    expect(serialized.stack).toMatch(/^Error: invalid input syntax for type uuid\n/);
  });

  it('logs a request by its id, method and path, without the query string or headers', () => {
    expect(serializeRequest({ id: 7, method: 'GET', url: '/deliveries?subject=ada@example.com' })).toEqual({
      id: 7,
      method: 'GET',
      path: '/deliveries',
    });
  });

  it('logs an erasure request without the subject in its path', () => {
    expect(serializeRequest({ id: 8, method: 'DELETE', url: '/subjects/ada%40example.com?x=1' })).toEqual({
      id: 8,
      method: 'DELETE',
      path: '/subjects/[redacted]',
    });
  });
});
