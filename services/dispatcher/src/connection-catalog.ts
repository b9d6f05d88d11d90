import { Inject, Injectable } from '@nestjs/common';
import { ConnectionEntity } from '@flowline/db';
import { ConnectionSettings, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from '@flowline/delivery';
import { ConfigCatalog, Infrastructure } from '@flowline/runtime';

export function connectionFromRow(row: ConnectionEntity): ConnectionSettings {
  const policy = row.policy as { timeout_ms?: number; max_retries?: number };
  return {
    id: row.id,
    tenant: row.tenantId,
    name: row.name,
    url: row.url,
    method: row.method,
    contentType: row.contentType === 'application/x-www-form-urlencoded' ? row.contentType : 'application/json',
    headers: row.headers,
    timeoutMs: policy.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    maxRetries: policy.max_retries ?? DEFAULT_MAX_RETRIES,
  };
}

/** The connections in force, by id. */
@Injectable()
export class ConnectionCatalog extends ConfigCatalog<Map<string, ConnectionSettings>> {
  constructor(@Inject(Infrastructure) infrastructure: Infrastructure) {
    super(
      infrastructure,
      'connection-catalog',
      new Map(),
      (rows) => new Map(rows.connections.map((row) => [row.id, connectionFromRow(row)])),
    );
  }

  /** A connection of this tenant, or undefined (deleted, or another tenant's id). */
  find(tenant: string, id: string): ConnectionSettings | undefined {
    const connection = this.current().get(id);
    return connection?.tenant === tenant ? connection : undefined;
  }
}
