import { Inject, Injectable } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import { ConsoleSessionsRepository } from '@flowline/db';
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

/** Console sessions (decision 0019): the only writer of the `console_sessions` rows. */
@Injectable()
export class ConsoleSessionStore {
  private readonly lifetime: SessionLifetime;

  constructor(
    @Inject(ConsoleSessionsRepository) private readonly sessions: ConsoleSessionsRepository,
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
    await this.sessions.removeExpired(now);
    const token = generateSessionToken();
    const times = newSessionTimes(now, this.lifetime);
    await this.sessions.insert({ tokenHash: hashSessionToken(token), tenantId, ...times });
    return { token, expiresAt: times.expiresAt };
  }

  /** The live session the token names, its idle expiry moved on; undefined when there is none. */
  async find(token: string, now: Date): Promise<ConsoleSession | undefined> {
    const hash = hashSessionToken(token);
    const row = await this.sessions.find(hash);
    if (!row) return undefined;
    const times = { createdAt: new Date(row.created_at), expiresAt: new Date(row.expires_at) };
    if (!isSessionLive(times, now, this.lifetime)) {
      await this.close(token);
      return undefined;
    }
    const extended = extendedExpiry(times, now, this.lifetime);
    if (extended) await this.sessions.extend(hash, extended);
    return { tenantId: row.tenant_id, tenantName: row.tenant_name, expiresAt: extended ?? times.expiresAt };
  }

  /** Signs the session out: its cookie no longer authenticates anything, even if kept. */
  async close(token: string): Promise<void> {
    await this.sessions.remove(hashSessionToken(token));
  }
}
