import { parsePostgresUrl } from './postgres-url';

describe('parsePostgresUrl (libpq TLS parameters)', () => {
  it('takes the TLS parameters out of the URL the driver gets, keeping the rest', () => {
    const parsed = parsePostgresUrl(
      'postgres://flowline:s%40cret@db.internal:5433/flowline?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=x',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.tls).toEqual({ mode: 'verify-full', rootCert: '/etc/ca.pem' });
    expect(parsed.host).toBe('db.internal');
    expect(parsed.connectionString).toBe('postgres://flowline:s%40cret@db.internal:5433/flowline?application_name=x');
  });

  it('does not encrypt without sslmode, as before', () => {
    expect(parsePostgresUrl('postgres://u:p@127.0.0.1:5432/db').tls).toEqual({ mode: 'disable' });
  });

  it.each([
    ['postgres://h/db?sslmode=maybe', /sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full/],
    ['postgres://h/db?sslrootcert=/ca.pem', /without sslmode/],
    ['postgres://h/db?sslmode=require&sslcert=/c.pem', /both sslcert and sslkey/],
    ['postgres://h/db?sslmode=disable&sslrootcert=/ca.pem', /sslmode=disable does not use TLS/],
    ['postgres://h/db?sslmode=require&sslpassword=x', /sslpassword: encrypted client keys are not supported/],
    ['postgres://h/db?ssl=true', /use libpq's sslmode=/],
    ['postgres://h/db?sslmode=require&sslnegotiation=direct', /sslnegotiation/],
  ])('names the problem of %s', (url, problem) => {
    expect(parsePostgresUrl(url).problems).toEqual([expect.stringMatching(problem)]);
  });

  it('reads an IPv6 host without its brackets', () => {
    expect(parsePostgresUrl('postgres://u@[::1]:5432/db?sslmode=verify-full').host).toBe('::1');
  });
});
