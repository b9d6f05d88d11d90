import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { parsePostgresUrl, PostgresSslMode } from '@flowline/config';

/** The TLS options the pg driver passes on to `tls.connect`. */
export type PostgresTlsOptions = Pick<
  ConnectionOptions,
  'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'checkServerIdentity'
>;

/** What the pg driver gets: the URL without its TLS parameters, and the TLS options they mean. */
export interface PostgresDriverOptions {
  url: string;
  ssl: PostgresTlsOptions | false;
}

/**
 * Turns libpq's TLS parameters of a PostgreSQL URL into node-postgres's `ssl` options, with
 * libpq's meaning (node-postgres's own reading verifies the certificate for `require` and
 * `verify-ca`, and checks the host name for `verify-ca`):
 *
 * | sslmode | encrypted | certificate verified against sslrootcert | host name checked |
 * | --- | --- | --- | --- |
 * | (none), disable, allow | no | | |
 * | prefer, require | yes | only when sslrootcert is given (libpq: then as verify-ca) | no |
 * | verify-ca | yes | yes | no |
 * | verify-full | yes | yes | yes |
 *
 * `allow` and `prefer` cannot fall back as libpq does (the driver tries one way only): `allow`
 * connects in plain text, `prefer` with TLS. Without sslrootcert (or with `system`) the verifying
 * modes trust Node's CAs. The configuration was validated at boot (`loadConfig`), so the files
 * exist; they are read here, once.
 */
export function postgresDriverOptions(
  url: string,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): PostgresDriverOptions {
  const { connectionString, tls, problems } = parsePostgresUrl(url);
  if (problems.length > 0) throw new Error(`DATABASE_URL: ${problems.join('; ')}`);
  const mode: PostgresSslMode = tls.mode === 'require' && tls.rootCert ? 'verify-ca' : tls.mode;
  if (mode === 'disable' || mode === 'allow') return { url: connectionString, ssl: false };
  const ssl: PostgresTlsOptions = {
    ...(tls.rootCert && tls.rootCert !== 'system' ? { ca: readFile(tls.rootCert) } : {}),
    ...(tls.cert ? { cert: readFile(tls.cert) } : {}),
    ...(tls.key ? { key: readFile(tls.key) } : {}),
  };
  switch (mode) {
    case 'prefer':
    case 'require':
      return { url: connectionString, ssl: { ...ssl, rejectUnauthorized: false } };
    case 'verify-ca':
      // The chain must lead to a trusted CA; whose name the certificate carries does not matter.
      return { url: connectionString, ssl: { ...ssl, rejectUnauthorized: true, checkServerIdentity: () => undefined } };
    case 'verify-full':
      return { url: connectionString, ssl: { ...ssl, rejectUnauthorized: true } };
    default:
      return assertUnreachable(mode);
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`unknown sslmode ${String(value)}`);
}
