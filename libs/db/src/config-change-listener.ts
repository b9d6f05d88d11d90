import { Client, Notification } from 'pg';
import type { Logger } from 'pino';

/** Announces a tenant whose configuration version moved; the payload is the tenant id. */
export const CONFIG_CHANGED_CHANNEL = 'flowline_config_changed';
/** Announces a paused connection; the payload is JSON `{tenant, connection, reason}`. */
export const CONNECTION_PAUSED_CHANNEL = 'flowline_connection_paused';

export interface ConnectionPausedNotice {
  tenant: string;
  connectionId: string;
  /** Why it was paused (a 410, failing too long, an operator); absent in notices of older versions. */
  reason?: string;
}

export interface ConfigChangeHandlers {
  tenantChanged(tenant: string): void;
  connectionPaused(notice: ConnectionPausedNotice): void;
  /** Listening (again): notifications sent while it was not are lost, so look at everything. */
  listening(): void;
}

/** Reads a `flowline_connection_paused` payload; undefined when it is not one. */
export function parseConnectionPaused(payload: string | undefined): ConnectionPausedNotice | undefined {
  try {
    const value = JSON.parse(payload ?? '') as { tenant?: unknown; connection?: unknown; reason?: unknown };
    if (typeof value.tenant !== 'string' || typeof value.connection !== 'string') return undefined;
    return {
      tenant: value.tenant,
      connectionId: value.connection,
      ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The wait before reconnecting after `failures` failed attempts in a row: 0.5 s doubling to 10 s. */
export function reconnectDelayMs(failures: number): number {
  return Math.min(10_000, 500 * 2 ** Math.max(0, failures - 1));
}

/**
 * `LISTEN`s for configuration changes on a PostgreSQL connection of its own: a pooled connection
 * would be handed to other queries, and TypeORM's pool drops idle ones. A lost connection is
 * logged and reopened with a growing delay, never thrown: polling covers the gap, and
 * `listening` asks for a full check once it listens again.
 */
export class ConfigChangeListener {
  private client: Client | undefined;
  private stopped = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly handlers: ConfigChangeHandlers,
    private readonly logger: Logger,
  ) {}

  /** Resolves once listening, or once the first attempt failed (it is retried in the background). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.connectionString,
      application_name: 'flowline-config-listener',
      keepAlive: true,
    });
    // A connection lost later is reported here; without a listener it would crash the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, undefined));
    client.on('notification', (message) => this.deliver(message));
    try {
      await client.connect();
      await client.query(`LISTEN ${CONFIG_CHANGED_CHANNEL}; LISTEN ${CONNECTION_PAUSED_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.scheduleReconnect(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0) this.logger.info({ afterFailures: this.failures }, 'configuration listener listening again');
    this.failures = 0;
    this.handlers.listening();
  }

  private lost(client: Client, error: Error | undefined): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.scheduleReconnect(error ?? new Error('connection ended'));
  }

  private scheduleReconnect(error: unknown): void {
    if (this.stopped || this.retry) return;
    this.failures += 1;
    const delayMs = reconnectDelayMs(this.failures);
    this.logger.warn(
      { err: error, retryInMs: delayMs },
      'configuration listener lost its PostgreSQL connection; polling covers until it is back',
    );
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, delayMs);
    this.retry.unref();
  }

  private deliver(message: Notification): void {
    if (message.channel === CONFIG_CHANGED_CHANNEL && message.payload) {
      this.handlers.tenantChanged(message.payload);
    } else if (message.channel === CONNECTION_PAUSED_CHANNEL) {
      const notice = parseConnectionPaused(message.payload);
      if (notice) this.handlers.connectionPaused(notice);
    }
  }
}
