import { postgresDriverOptions } from './postgres-ssl';

const FILES: Record<string, string> = { '/ca.pem': 'CA PEM', '/client.crt': 'CERT PEM', '/client.key': 'KEY PEM' };
const read = (path: string): string => {
  const text = FILES[path];
  if (text === undefined) throw new Error(`unexpected read of ${path}`);
  return text;
};
const BASE = 'postgres://flowline:pw@db.internal:5432/flowline';

describe('postgresDriverOptions: libpq sslmode as node-postgres ssl options', () => {
  it.each([
    ['no sslmode', '', false],
    ['disable', '?sslmode=disable', false],
    ['allow (plain text; the driver cannot fall back)', '?sslmode=allow', false],
    ['prefer (TLS; the driver cannot fall back)', '?sslmode=prefer', { rejectUnauthorized: false }],
    ['require: encrypted, not verified', '?sslmode=require', { rejectUnauthorized: false }],
    ['verify-full with the system CAs', '?sslmode=verify-full', { rejectUnauthorized: true }],
    ['verify-full with sslrootcert=system', '?sslmode=verify-full&sslrootcert=system', { rejectUnauthorized: true }],
    ['verify-full with a CA', '?sslmode=verify-full&sslrootcert=/ca.pem', { rejectUnauthorized: true, ca: 'CA PEM' }],
    [
      'require with a client certificate',
      '?sslmode=require&sslcert=/client.crt&sslkey=/client.key',
      { rejectUnauthorized: false, cert: 'CERT PEM', key: 'KEY PEM' },
    ],
  ])('%s', (_name, query, expected) => {
    const options = postgresDriverOptions(`${BASE}${query}`, read);
    expect(options.ssl).toEqual(expected);
    expect(options.url).toBe(BASE);
  });

  it('verify-ca checks the chain but not the host name', () => {
    const { ssl } = postgresDriverOptions(`${BASE}?sslmode=verify-ca&sslrootcert=/ca.pem`, read);
    expect(ssl).toMatchObject({ rejectUnauthorized: true, ca: 'CA PEM' });
    const checkServerIdentity = (ssl as { checkServerIdentity: (host: string, cert: unknown) => Error | undefined })
      .checkServerIdentity;
    expect(checkServerIdentity('db.internal', { subject: { CN: 'elsewhere' } })).toBeUndefined();
  });

  it('require with a root certificate verifies as verify-ca, as libpq does', () => {
    const { ssl } = postgresDriverOptions(`${BASE}?sslmode=require&sslrootcert=/ca.pem`, read);
    expect(ssl).toMatchObject({ rejectUnauthorized: true, ca: 'CA PEM', checkServerIdentity: expect.any(Function) });
  });

  it('verify-full leaves the host name check to TLS (no override)', () => {
    const { ssl } = postgresDriverOptions(`${BASE}?sslmode=verify-full&sslrootcert=/ca.pem`, read);
    expect(ssl).not.toHaveProperty('checkServerIdentity');
  });

  it('refuses a URL whose TLS parameters are wrong', () => {
    expect(() => postgresDriverOptions(`${BASE}?sslmode=strict`, read)).toThrow(
      /DATABASE_URL: .*sslmode must be one of/,
    );
  });
});
