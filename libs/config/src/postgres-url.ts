/**
 * libpq's TLS parameters in a `postgres://` URL (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`),
 * read with libpq's meaning. node-postgres reads the same parameters with its own meaning
 * (`require` verifies the certificate there), so they are taken out of the URL the driver sees
 * and turned into its `ssl` options by `@flowline/db`.
 */
export const POSTGRES_SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type PostgresSslMode = (typeof POSTGRES_SSL_MODES)[number];

export interface PostgresTlsSettings {
  /** As written, or `disable` when the URL names no sslmode (see parsePostgresUrl). */
  mode: PostgresSslMode;
  /** PEM file of the CA(s) to trust, or `system` for the platform's trusted CAs (libpq 16). */
  rootCert?: string;
  /** Client certificate and key (PEM files) for certificate authentication. */
  cert?: string;
  key?: string;
}

export interface ParsedPostgresUrl {
  /** The URL without its TLS parameters: what the driver gets. */
  connectionString: string;
  host: string;
  tls: PostgresTlsSettings;
  /** Everything wrong with the TLS parameters, each naming what to fix. */
  problems: string[];
}

/** TLS parameters taken out of the URL and applied by Flowline. */
const TLS_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslsni'];

/** TLS parameters libpq (or node-postgres) knows that Flowline does not apply: refused, not ignored. */
const UNSUPPORTED_PARAMETERS: Record<string, string> = {
  sslpassword: 'encrypted client keys are not supported; give sslkey an unencrypted key file',
  sslcrl: 'certificate revocation lists are not supported',
  sslcrldir: 'certificate revocation lists are not supported',
  sslnegotiation: 'only the standard (postgres) TLS negotiation is supported',
  ssl: 'use libpq\'s sslmode= (e.g. sslmode=verify-full) instead of node-postgres\'s "ssl="',
  uselibpqcompat: "Flowline always reads sslmode with libpq's meaning; remove it",
};

/**
 * Parses the TLS parameters of a PostgreSQL URL. Without `sslmode` the connection is not
 * encrypted (libpq's default, `prefer`, falls back to plain text, which node-postgres cannot do);
 * naming a certificate without a mode is a problem, so nobody believes they verify when they do not.
 */
export function parsePostgresUrl(url: string): ParsedPostgresUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {
      connectionString: url,
      host: '',
      tls: { mode: 'disable' },
      problems: ['DATABASE_URL is not a valid URL'],
    };
  }
  const params = parsed.searchParams;
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = params.get(name);
    return value === null || value === '' ? undefined : value;
  };

  const rawMode = get('sslmode');
  const rootCert = get('sslrootcert');
  const cert = get('sslcert');
  const key = get('sslkey');
  let mode: PostgresSslMode = 'disable';
  if (rawMode === undefined) {
    if (rootCert || cert || key)
      problems.push(
        'DATABASE_URL names sslrootcert, sslcert or sslkey without sslmode: add sslmode=verify-full (or require, verify-ca)',
      );
  } else if ((POSTGRES_SSL_MODES as readonly string[]).includes(rawMode)) {
    mode = rawMode as PostgresSslMode;
  } else {
    problems.push(`DATABASE_URL sslmode must be one of ${POSTGRES_SSL_MODES.join(', ')}`);
  }
  if ((cert === undefined) !== (key === undefined))
    problems.push('DATABASE_URL needs both sslcert and sslkey for a client certificate, or neither');
  if ((mode === 'disable' || mode === 'allow') && rawMode !== undefined && (rootCert || cert))
    problems.push(`DATABASE_URL sslmode=${mode} does not use TLS, so sslrootcert and sslcert would be ignored`);
  const sni = get('sslsni');
  if (sni !== undefined && sni !== '0' && sni !== '1') problems.push('DATABASE_URL sslsni must be 0 or 1');
  for (const [name, reason] of Object.entries(UNSUPPORTED_PARAMETERS)) {
    const value = get(name);
    if (value === undefined) continue;
    if (name === 'sslnegotiation' && value === 'postgres') continue;
    problems.push(`DATABASE_URL ${name}: ${reason}`);
  }

  for (const name of [...TLS_PARAMETERS, ...Object.keys(UNSUPPORTED_PARAMETERS)]) params.delete(name);
  return {
    connectionString: parsed.toString(),
    host: decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, '$1'),
    tls: { mode, ...(rootCert ? { rootCert } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) },
    problems,
  };
}

/** The files a PostgreSQL URL's TLS settings name, with what each must hold. */
export function postgresTlsFiles(tls: PostgresTlsSettings): Array<{ parameter: string; path: string; holds: PemKind }> {
  const files: Array<{ parameter: string; path: string; holds: PemKind }> = [];
  if (tls.mode === 'disable' || tls.mode === 'allow') return files;
  if (tls.rootCert && tls.rootCert !== 'system')
    files.push({ parameter: 'DATABASE_URL sslrootcert', path: tls.rootCert, holds: 'certificate' });
  if (tls.cert) files.push({ parameter: 'DATABASE_URL sslcert', path: tls.cert, holds: 'certificate' });
  if (tls.key) files.push({ parameter: 'DATABASE_URL sslkey', path: tls.key, holds: 'private key' });
  return files;
}

export type PemKind = 'certificate' | 'private key';
