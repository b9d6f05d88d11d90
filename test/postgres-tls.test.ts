import { loadConfig } from '@flowline/config';
import { createDataSource, DataSource, runMigrations } from '@flowline/db';
import { classifyConnectionFailure } from '@flowline/runtime';
import { migrate } from '../services/cluster/src/migrate';
import { localPostgresCaFile, postgresUrlWith } from './support/local-tls';

/**
 * PostgreSQL over TLS with libpq's sslmode meanings, against the local server, whose certificate
 * (made by deploy/local/postgres.sh) names `localhost` and is signed by a local CA.
 */
describe('PostgreSQL over TLS (DATABASE_URL sslmode)', () => {
  const base = loadConfig().DATABASE_URL;
  const ca = localPostgresCaFile();
  const opened: DataSource[] = [];

  afterAll(async () => {
    await Promise.all(opened.filter((source) => source.isInitialized).map((source) => source.destroy()));
  });

  async function connect(url: string): Promise<{ ssl: boolean }> {
    const dataSource = createDataSource(url, { poolSize: 1 });
    opened.push(dataSource);
    await dataSource.initialize();
    const [row] = await dataSource.query<Array<{ ssl: boolean }>>(
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    return row!;
  }

  async function refusal(url: string): Promise<unknown> {
    const dataSource = createDataSource(url, { poolSize: 1 });
    opened.push(dataSource);
    return dataSource.initialize().then(
      () => new Error('connected, but should have been refused'),
      (error: unknown) => error,
    );
  }

  it('connects with sslmode=verify-full to the name the certificate carries, encrypted', async () => {
    const url = postgresUrlWith(base, { sslmode: 'verify-full', sslrootcert: ca }, 'localhost');
    expect(await connect(url)).toEqual({ ssl: true });
  });

  it('runs the migration job and its advisory lock over verify-full', async () => {
    const url = postgresUrlWith(base, { sslmode: 'verify-full', sslrootcert: ca }, 'localhost');
    // The first run on a fresh database applies them all; either way the schema is then current.
    await migrate({ DATABASE_URL: url, LOG_LEVEL: 'silent' });
    const dataSource = createDataSource(url, { poolSize: 1 });
    opened.push(dataSource);
    await dataSource.initialize();
    await expect(runMigrations(dataSource)).resolves.toEqual([]);
    const [applied] = await dataSource.query<Array<{ count: number }>>(
      'SELECT count(*)::int AS count FROM flowline_migrations',
    );
    expect(applied!.count).toBeGreaterThan(0);
  });

  it('refuses verify-full to a host name the certificate does not carry, saying so', async () => {
    const error = await refusal(postgresUrlWith(base, { sslmode: 'verify-full', sslrootcert: ca }, '127.0.0.1'));
    expect(error).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const failure = classifyConnectionFailure('postgres', error);
    expect(failure.kind).toBe('untrusted-certificate');
    expect(failure.cause).toMatch(
      /certificate not trusted, ERR_TLS_CERT_ALTNAME_INVALID \(Hostname\/IP does not match/,
    );
  });

  it('refuses verify-full when the CA is not the one that signed the certificate', async () => {
    // Without sslrootcert, only the platform's trusted CAs count: the local CA is not one of them.
    const error = await refusal(postgresUrlWith(base, { sslmode: 'verify-full' }, 'localhost'));
    const failure = classifyConnectionFailure('postgres', error);
    expect(failure.kind).toBe('untrusted-certificate');
    expect(failure.cause).toMatch(/check DATABASE_URL's sslrootcert/);
  });

  it("takes verify-ca and require with libpq's meaning: the chain, not the name; encryption only", async () => {
    expect(await connect(postgresUrlWith(base, { sslmode: 'verify-ca', sslrootcert: ca }, '127.0.0.1'))).toEqual({
      ssl: true,
    });
    expect(await connect(postgresUrlWith(base, { sslmode: 'require' }, '127.0.0.1'))).toEqual({ ssl: true });
    expect(await connect(postgresUrlWith(base, { sslmode: 'disable' }))).toEqual({ ssl: false });
  });
});
