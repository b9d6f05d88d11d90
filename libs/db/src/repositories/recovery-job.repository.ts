import type { FailureCategory } from '@flowline/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import {
  DEAD_LETTERED_STATUSES,
  DeliveryStatus,
  LANE_HOLDING_STATUSES,
  sqlStatus,
  sqlStatuses,
} from '../delivery-store/delivery-status';
import { returnedRows } from './returned-rows';

export type RecoveryJobStatus = 'running' | 'done' | 'cancelled' | 'failed';

/** Which retry queue items a recovery job resubmits (decision 0025); stored with the job as given. */
export interface RecoveryFilter {
  connection_id?: string;
  flow_id?: string;
  sequence_id?: string;
  /** The retry queue status asked for (retry, error, failed); all of them when absent. */
  status?: string;
  /** Delivery statuses (from the queue status asked for), each one a recovery may move. */
  statuses: DeliveryStatus[];
  category?: FailureCategory;
  /** The item's last change (when it failed), inclusive. */
  from?: string;
  /** The item's last change, exclusive. */
  to?: string;
}

export interface RecoveryJobRow {
  id: string;
  tenant_id: string;
  filter: RecoveryFilter;
  scopes: string[];
  status: RecoveryJobStatus;
  matched: number;
  /** Items handed to the queue so far, by position (1-based; 0 before the first). */
  position: number;
  submitted: number;
  delivered: number;
  failed_again: number;
  error: string | null;
  owner: string | null;
  lease_expires_at: Date;
  takeovers: number;
  created_at: Date;
  finished_at: Date | null;
}

/** Who holds a job's lease, and for how long each grant or renewal lasts. */
export interface RecoveryLease {
  owner: string;
  ms: number;
  /** The installation's FLOWLINE_TOPIC_PREFIX: a job is run only by api processes of its own installation. */
  topicPrefix: string;
}

/** What the deliveries a job resubmitted have become. */
export interface RecoveryCounts {
  submitted: number;
  delivered: number;
  failedAgain: number;
  /** Still waiting: held in their lanes, being sent, or waiting for a retry. */
  outstanding: number;
}

/** Why a job could not start. */
export type RecoveryRefusal = { kind: 'busy'; jobId: string } | { kind: 'too-many'; matched: number };

/**
 * Recovery jobs, their matched items and their leases (decisions 0015 and 0025). Every write made
 * while a job runs names its owner, so a process that lost the lease (or a cancelled job) changes
 * nothing any more. The deliveries themselves are moved by the delivery store only.
 */
export class RecoveryJobRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Starts a job over the items `filter` matches, in delivery order, leased to `lease.owner`;
   * refused when another running job of the tenant goes to one of the same connections (or
   * sequences), or when more than `maxItems` match. The tenant's jobs are locked meanwhile, so two
   * requests at once cannot both start.
   */
  async create(
    tenant: string,
    filter: RecoveryFilter,
    maxItems: number,
    lease: RecoveryLease,
  ): Promise<RecoveryJobRow | RecoveryRefusal> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [`recovery:${tenant}`]);
      const { where, values } = matching(tenant, filter);
      const [found] = await manager.query<Array<{ matched: string; scopes: string[] | null }>>(
        `SELECT count(*) AS matched,
                array_agg(DISTINCT COALESCE(connection_id::text, 'sequence:' || sequence_id, 'url')) AS scopes
           FROM deliveries WHERE ${where}`,
        values,
      );
      const matched = Number(found!.matched);
      if (matched > maxItems) return { kind: 'too-many', matched };
      const scopes = found!.scopes ?? [];
      if (filter.connection_id !== undefined && !scopes.includes(filter.connection_id))
        scopes.push(filter.connection_id);
      const [busy] = await manager.query<Array<{ id: string }>>(
        `SELECT id FROM recovery_jobs WHERE tenant_id = $1 AND status = 'running' AND scopes && $2::text[] LIMIT 1`,
        [tenant, scopes],
      );
      if (busy) return { kind: 'busy', jobId: busy.id };
      const [job] = await manager.query<RecoveryJobRow[]>(
        `INSERT INTO recovery_jobs (tenant_id, topic_prefix, filter, scopes, matched, owner, lease_expires_at)
         VALUES ($1, $6, $2::jsonb, $3::text[], 0, $4, now() + $5 * interval '1 millisecond') RETURNING *`,
        [tenant, JSON.stringify(filter), scopes, lease.owner, lease.ms, lease.topicPrefix],
      );
      const inserted = await insertItems(manager, job!.id, where, values);
      const [row] = returnedRows<RecoveryJobRow>(
        await manager.query('UPDATE recovery_jobs SET matched = $2 WHERE id = $1 RETURNING *', [job!.id, inserted]),
      );
      return row!;
    });
  }

  /** The next `limit` items after `position`, in order. */
  async nextItems(jobId: string, position: number, limit: number): Promise<Array<{ position: number; id: string }>> {
    const rows = await this.dataSource.query<Array<{ position: number; delivery_id: string }>>(
      `SELECT position, delivery_id FROM recovery_job_items WHERE job_id = $1 AND position > $2
        ORDER BY position LIMIT $3`,
      [jobId, position, limit],
    );
    return rows.map((row) => ({ position: row.position, id: row.delivery_id }));
  }

  /** What the deliveries the job resubmitted have become, read from the deliveries. */
  async counts(jobId: string): Promise<RecoveryCounts> {
    const [row] = await this.dataSource.query<
      Array<{ submitted: string; delivered: string; failed_again: string; outstanding: string }>
    >(
      `SELECT count(*) AS submitted,
              count(*) FILTER (WHERE status = ${sqlStatus('succeeded')}) AS delivered,
              count(*) FILTER (WHERE status IN (${sqlStatuses(DEAD_LETTERED_STATUSES)})) AS failed_again,
              count(*) FILTER (WHERE status IN (${sqlStatuses(LANE_HOLDING_STATUSES)})) AS outstanding
         FROM deliveries WHERE recovery_job_id = $1`,
      [jobId],
    );
    return {
      submitted: Number(row!.submitted),
      delivered: Number(row!.delivered),
      failedAgain: Number(row!.failed_again),
      outstanding: Number(row!.outstanding),
    };
  }

  /**
   * Leases to `lease.owner` every running job whose lease ran out (its runner died or was
   * stopped), except `excluding`; a job taken from a previous owner counts a takeover.
   */
  async takeOverExpired(lease: RecoveryLease, excluding: string[]): Promise<RecoveryJobRow[]> {
    return returnedRows<RecoveryJobRow>(
      await this.dataSource.query(
        `UPDATE recovery_jobs SET owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond',
                takeovers = takeovers + CASE WHEN owner IS NULL THEN 0 ELSE 1 END
          WHERE id IN (SELECT id FROM recovery_jobs
                        WHERE status = 'running' AND lease_expires_at < now() AND NOT (id = ANY($3::uuid[]))
                          AND topic_prefix = $4
                        ORDER BY created_at FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [lease.owner, lease.ms, excluding, lease.topicPrefix],
      ),
    );
  }

  /** Records how far the job got, and renews its lease; false when it is no longer this owner's running job. */
  async progress(id: string, lease: RecoveryLease, position: number, counts: RecoveryCounts): Promise<boolean> {
    return this.updateOwned(
      id,
      lease.owner,
      `position = $3, submitted = $4, delivered = $5, failed_again = $6,
       lease_expires_at = now() + $7 * interval '1 millisecond'`,
      [position, counts.submitted, counts.delivered, counts.failedAgain, lease.ms],
    );
  }

  async finish(id: string, owner: string, status: 'done' | 'failed', error: string | null): Promise<boolean> {
    return this.updateOwned(id, owner, 'status = $3, error = $4, finished_at = now()', [status, error]);
  }

  /** Gives the lease up at a graceful stop, so the next api process resumes the job at once. */
  async release(id: string, owner: string): Promise<boolean> {
    return this.updateOwned(id, owner, 'owner = NULL, lease_expires_at = now()', []);
  }

  /** Stops a running job: it hands no more items to the queue. Undefined unless it was running. */
  async cancel(tenant: string, id: string): Promise<RecoveryJobRow | undefined> {
    const rows = returnedRows<RecoveryJobRow>(
      await this.dataSource.query(
        `UPDATE recovery_jobs SET status = 'cancelled', finished_at = now(), owner = NULL
          WHERE id = $1 AND tenant_id = $2 AND status = 'running' RETURNING *`,
        [id, tenant],
      ),
    );
    return rows[0];
  }

  async find(tenant: string, id: string): Promise<RecoveryJobRow | undefined> {
    const rows = await this.dataSource.query<RecoveryJobRow[]>(
      'SELECT * FROM recovery_jobs WHERE id = $1 AND tenant_id = $2',
      [id, tenant],
    );
    return rows[0];
  }

  /** The tenant's latest jobs, newest first. */
  async list(tenant: string, limit: number): Promise<RecoveryJobRow[]> {
    return this.dataSource.query<RecoveryJobRow[]>(
      'SELECT * FROM recovery_jobs WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
      [tenant, limit],
    );
  }

  /** Sets `assignments` ($3 on) on a running job this owner holds; whether it did. */
  private async updateOwned(id: string, owner: string, assignments: string, values: unknown[]): Promise<boolean> {
    const rows = returnedRows<{ id: string }>(
      await this.dataSource.query(
        `UPDATE recovery_jobs SET ${assignments} WHERE id = $1 AND owner = $2 AND status = 'running' RETURNING id`,
        [id, owner, ...values],
      ),
    );
    return rows.length > 0;
  }
}

/** The WHERE clause of the retry queue items a filter matches: queued, record kept, the tenant's. */
function matching(tenant: string, filter: RecoveryFilter): { where: string; values: unknown[] } {
  const values: unknown[] = [tenant, filter.statuses];
  const conditions = ['tenant_id = $1', 'queued_at IS NOT NULL', 'message IS NOT NULL', 'status = ANY($2::text[])'];
  const add = (sql: string, value: unknown) => conditions.push(sql.replace('?', `$${values.push(value)}`));
  if (filter.connection_id !== undefined) add('connection_id = ?::uuid', filter.connection_id);
  if (filter.flow_id !== undefined) add('flow_id = ?::uuid', filter.flow_id);
  if (filter.sequence_id !== undefined) add('sequence_id = ?', filter.sequence_id);
  if (filter.category !== undefined) add('category = ?', filter.category);
  if (filter.from !== undefined) add('updated_at >= ?::timestamptz', filter.from);
  if (filter.to !== undefined) add('updated_at < ?::timestamptz', filter.to);
  return { where: conditions.join(' AND '), values };
}

/**
 * The matched items, numbered in delivery order: by when each delivery was first stored, then by
 * its record's offset (a subject's records share a partition, so within a subject this is the
 * order they were produced in).
 */
async function insertItems(manager: EntityManager, jobId: string, where: string, values: unknown[]): Promise<number> {
  const [inserted] = await manager.query<Array<{ count: string }>>(
    `WITH inserted AS (
       INSERT INTO recovery_job_items (job_id, position, delivery_id)
       SELECT $${values.length + 1}::uuid,
              row_number() OVER (ORDER BY created_at,
                CASE WHEN split_part(origin, '/', 3) ~ '^-?[0-9]{1,18}$' THEN split_part(origin, '/', 3)::bigint END,
                id),
              id
         FROM deliveries WHERE ${where}
       RETURNING 1)
     SELECT count(*) FROM inserted`,
    [...values, jobId],
  );
  return Number(inserted!.count);
}
