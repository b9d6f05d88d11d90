import type { DataSource } from 'typeorm';

/** A stored console session with its tenant's name; the token is kept only as its hash. */
export interface ConsoleSessionRow {
  tenant_id: string;
  tenant_name: string;
  created_at: Date;
  expires_at: Date;
}

/** The `console_sessions` table (decision 0019): sessions of the tenants' web console. */
export class ConsoleSessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Removes every session that expired before `now`. */
  async removeExpired(now: Date): Promise<void> {
    await this.dataSource.query('DELETE FROM console_sessions WHERE expires_at < $1', [now]);
  }

  async insert(session: { tokenHash: string; tenantId: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await this.dataSource.query(
      'INSERT INTO console_sessions (token_hash, tenant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [session.tokenHash, session.tenantId, session.createdAt, session.expiresAt],
    );
  }

  /** The session of this token hash, live or not; undefined when there is none. */
  async find(tokenHash: string): Promise<ConsoleSessionRow | undefined> {
    const rows = await this.dataSource.query<ConsoleSessionRow[]>(
      `SELECT s.tenant_id, t.name AS tenant_name, s.created_at, s.expires_at
         FROM console_sessions s JOIN tenants t ON t.id = s.tenant_id
        WHERE s.token_hash = $1`,
      [tokenHash],
    );
    return rows[0];
  }

  /** Moves the session's expiry. */
  async extend(tokenHash: string, expiresAt: Date): Promise<void> {
    await this.dataSource.query('UPDATE console_sessions SET expires_at = $2 WHERE token_hash = $1', [
      tokenHash,
      expiresAt,
    ]);
  }

  async remove(tokenHash: string): Promise<void> {
    await this.dataSource.query('DELETE FROM console_sessions WHERE token_hash = $1', [tokenHash]);
  }
}
