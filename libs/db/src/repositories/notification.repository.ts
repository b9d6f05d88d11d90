import type { NotificationEvent, NotificationTarget } from '@flowline/contracts';
import type { DataSource } from 'typeorm';
import type { AbandonedFailure } from '../delivery-store/delivery-store';
import { returnedRows } from './returned-rows';

/** A notification endpoint as stored: a URL with its sealed signing secret, or email addresses. */
export interface NotificationEndpointRow {
  id: string;
  tenant_id: string;
  name: string;
  url: string | null;
  signing_secret: string | null;
  emails: string[] | null;
  events: NotificationEvent[];
  created_at: Date;
  updated_at: Date;
}

/** What a tenant writes: exactly one of `url` (with its sealed secret) or `emails`. */
export interface NotificationEndpointFields {
  name: string;
  url: string | null;
  signingSecret: string | null;
  emails: string[] | null;
  events: NotificationEvent[];
}

/** A connection's `delivery.abandoned` digest whose window closed, taken to be sent. */
export interface DueDigest {
  connection_id: string;
  tenant_id: string;
  opened_at: Date;
  count: number;
  first_failures: AbandonedFailure[];
}

/** A tenant's notification endpoints (decision 0026), and the digests of abandoned deliveries. */
export class NotificationRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(tenant: string): Promise<NotificationEndpointRow[]> {
    return this.dataSource.query<NotificationEndpointRow[]>(
      'SELECT * FROM notification_endpoints WHERE tenant_id = $1 ORDER BY created_at, id',
      [tenant],
    );
  }

  async find(tenant: string, id: string): Promise<NotificationEndpointRow | undefined> {
    const rows = await this.dataSource.query<NotificationEndpointRow[]>(
      'SELECT * FROM notification_endpoints WHERE id = $1 AND tenant_id = $2',
      [id, tenant],
    );
    return rows[0];
  }

  async create(tenant: string, fields: NotificationEndpointFields): Promise<NotificationEndpointRow> {
    const rows = await this.dataSource.query<NotificationEndpointRow[]>(
      `INSERT INTO notification_endpoints (tenant_id, name, url, signing_secret, emails, events)
       VALUES ($1, $2, $3, $4, $5::text[], $6::text[]) RETURNING *`,
      [tenant, fields.name, fields.url, fields.signingSecret, fields.emails, fields.events],
    );
    return rows[0]!;
  }

  async replace(
    tenant: string,
    id: string,
    fields: NotificationEndpointFields,
  ): Promise<NotificationEndpointRow | undefined> {
    const rows = returnedRows<NotificationEndpointRow>(
      await this.dataSource.query(
        `UPDATE notification_endpoints SET name = $3, url = $4, signing_secret = $5, emails = $6::text[], events = $7::text[],
                updated_at = now()
          WHERE id = $1 AND tenant_id = $2 RETURNING *`,
        [id, tenant, fields.name, fields.url, fields.signingSecret, fields.emails, fields.events],
      ),
    );
    return rows[0];
  }

  async remove(tenant: string, id: string): Promise<boolean> {
    const rows = returnedRows<{ id: string }>(
      await this.dataSource.query('DELETE FROM notification_endpoints WHERE id = $1 AND tenant_id = $2 RETURNING id', [
        id,
        tenant,
      ]),
    );
    return rows.length > 0;
  }

  /** The tenant's endpoints subscribed to `event`, as notification targets. */
  async targets(tenant: string, event: NotificationEvent): Promise<NotificationTarget[]> {
    const rows = await this.dataSource.query<Array<{ id: string; emails: string[] | null }>>(
      'SELECT id, emails FROM notification_endpoints WHERE tenant_id = $1 AND $2 = ANY(events) ORDER BY created_at, id',
      [tenant, event],
    );
    return rows.map((row) =>
      row.emails ? { id: row.id, kind: 'email', emails: row.emails } : { id: row.id, kind: 'webhook' },
    );
  }

  /**
   * Hands the digests whose window (`coalesceS`) closed to `send`, and deletes them once it
   * resolved, in one transaction: a digest is sent at least once (the same notice again after a
   * crash, with the same id). Only those of deliveries first consumed from topics of
   * `originPrefix` (installations sharing a database never send each other's).
   */
  async flushDue(
    originPrefix: string,
    coalesceS: number,
    limit: number,
    send: (digests: DueDigest[]) => Promise<void>,
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const due = await manager.query<DueDigest[]>(
        `SELECT connection_id, tenant_id, opened_at, count, first_failures FROM notification_digests
          WHERE opened_at <= now() - make_interval(secs => $1) AND starts_with(origin, $2)
          ORDER BY opened_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [coalesceS, originPrefix, limit],
      );
      if (due.length === 0) return 0;
      await send(due);
      await manager.query('DELETE FROM notification_digests WHERE connection_id = ANY($1::uuid[])', [
        due.map((digest) => digest.connection_id),
      ]);
      return due.length;
    });
  }
}
