import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { FlowlineEnv } from '@flowline/config';
import { DATA_SOURCE } from '@flowline/runtime';
import {
  extendedExpiry,
  generateSessionToken,
  hashSessionToken,
  isSessionLive,
  newSessionTimes,
  SessionLifetime,
} from './console-session';

/** A live console session: whom it acts for, and until when (if nothing else happens). */
export interface ConsoleSession {
  tenantId: string;
  tenantName: string;
  expiresAt: Date;
}

interface SessionRow {
  tenant_id: string;
  tenant_name: string;
  created_at: Date;
  expires_at: Date;
}

/** The `console_sessions` table (decision 0019): the only writer of its rows. */
@Injectable()
export class ConsoleSessionStore {
  private readonly lifetime: SessionLifetime;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(FlowlineEnv) config: FlowlineEnv,
  ) {
    this.lifetime = {
      idleSeconds: config.FLOWLINE_CONSOLE_SESSION_IDLE_S,
      maxSeconds: config.FLOWLINE_CONSOLE_SESSION_MAX_S,
    };
  }

  /** Starts a session for the tenant; answers the token for the cookie (stored only hashed). */
  async open(tenantId: string, now: Date): Promise<{ token: string; expiresAt: Date }> {
    // Sign-ins are rare: a good moment to sweep away sessions nobody will use again.
    await this.dataSource.query('DELETE FROM console_sessions WHERE expires_at < $1', [now]);
    const token = generateSessionToken();
    const times = newSessionTimes(now, this.lifetime);
    await this.dataSource.query(
      'INSERT INTO console_sessions (token_hash, tenant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [hashSessionToken(token), tenantId, times.createdAt, times.expiresAt],
    );
    return { token, expiresAt: times.expiresAt };
  }

  /** The live session the token names, its idle expiry moved on; undefined when there is none. */
  async find(token: string, now: Date): Promise<ConsoleSession | undefined> {
    const hash = hashSessionToken(token);
    const rows = await this.dataSource.query<SessionRow[]>(
      `SELECT s.tenant_id, t.name AS tenant_name, s.created_at, s.expires_at
         FROM console_sessions s JOIN tenants t ON t.id = s.tenant_id
        WHERE s.token_hash = $1`,
      [hash],
    );
    const row = rows[0];
    if (!row) return undefined;
    const times = { createdAt: new Date(row.created_at), expiresAt: new Date(row.expires_at) };
    if (!isSessionLive(times, now, this.lifetime)) {
      await this.close(token);
      return undefined;
    }
    const extended = extendedExpiry(times, now, this.lifetime);
    if (extended) {
      await this.dataSource.query('UPDATE console_sessions SET expires_at = $2 WHERE token_hash = $1', [
        hash,
        extended,
      ]);
    }
    return { tenantId: row.tenant_id, tenantName: row.tenant_name, expiresAt: extended ?? times.expiresAt };
  }

  /** Signs the session out: its cookie no longer authenticates anything, even if kept. */
  async close(token: string): Promise<void> {
    await this.dataSource.query('DELETE FROM console_sessions WHERE token_hash = $1', [hashSessionToken(token)]);
  }
}
