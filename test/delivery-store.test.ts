import type { DataSource } from 'typeorm';
import { AttemptRecord, DeliveryStatus, LANE_HOLDING_STATUSES, PostgresDeliveryStore } from '@flowline/db';
import { DeliveryStoreWorld, describeDeliveryStoreContract, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';

/**
 * The delivery store's SQL against real PostgreSQL (the queue's claim, park, release, sweep and
 * submit statements): the same contract table its in-memory twin passes. Each case works in a
 * tenant, lanes and an origin prefix of its own, so cases and other suites never meet.
 */
describe('PostgresDeliveryStore', () => {
  const env = testEnvironment();
  let dataSource: DataSource;
  let world: DeliveryStoreWorld;

  beforeAll(async () => {
    dataSource = await openDatabase(env);
    const store = new PostgresDeliveryStore(dataSource);
    world = {
      store,
      now: () => Date.now(),
      // The test process's clock against the database server's, on the same machine.
      clockSlackMs: 5_000,
      inspect: async (id) => {
        const [row] = await dataSource.query<
          Array<{
            status: DeliveryStatus;
            attempts: number;
            retry_count: number;
            next_attempt_at: Date | null;
            lane: string | null;
            lane_seq: string | null;
            has_record: boolean;
            category: string | null;
            last_error: string | null;
            origin: string | null;
            queued: boolean;
            delivered: boolean;
          }>
        >(
          `SELECT status, attempts, retry_count, next_attempt_at, lane, lane_seq, message IS NOT NULL AS has_record,
                  category, last_error, origin, queued_at IS NOT NULL AS queued, delivered_at IS NOT NULL AS delivered
             FROM deliveries WHERE id = $1`,
          [id],
        );
        return (
          row && {
            status: row.status,
            attempts: row.attempts,
            retryCount: row.retry_count,
            nextAttemptAt: row.next_attempt_at?.getTime() ?? null,
            lane: row.lane,
            laneSeq: row.lane_seq === null ? null : Number(row.lane_seq),
            hasRecord: row.has_record,
            category: row.category,
            lastError: row.last_error,
            origin: row.origin,
            queued: row.queued,
            delivered: row.delivered,
          }
        );
      },
      attemptCount: async (id) => {
        const [row] = await dataSource.query<Array<{ n: number }>>(
          'SELECT count(*)::int AS n FROM delivery_attempts WHERE delivery_id = $1',
          [id],
        );
        return row?.n ?? 0;
      },
      ageLease: async (id, ms) => {
        await dataSource.query(
          `UPDATE deliveries SET updated_at = updated_at - make_interval(secs => $2) WHERE id = $1`,
          [id, ms / 1000],
        );
      },
      pausedConnection: async (tenant) => {
        await dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, [tenant]);
        const [row] = await dataSource.query<Array<{ id: string }>>(
          `INSERT INTO connections (tenant_id, name, url, paused_at, paused_reason)
           VALUES ($1, 'gone', 'https://receiver.example/gone', now(), 'HTTP 410: endpoint gone') RETURNING id`,
          [tenant],
        );
        return row!.id;
      },
      digest: async (connectionId) => {
        const [row] = await dataSource.query<Array<{ count: number; first: string[] }>>(
          `SELECT count, ARRAY(SELECT f->>'delivery_id' FROM jsonb_array_elements(first_failures) AS f) AS first
             FROM notification_digests WHERE connection_id = $1`,
          [connectionId],
        );
        return row;
      },
    };
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  describeDeliveryStoreContract('PostgreSQL', () => Promise.resolve(world));

  it('stores what a receiver or token server answered with NUL or a lone surrogate, without them, instead of failing the chunk', async () => {
    const suffix = uniqueSuffix();
    const tenant = `nul-${suffix}`;
    const store = new PostgresDeliveryStore(dataSource);
    const connectionId = await world.pausedConnection(tenant);
    const attempt = (name: string, status: 'retrying' | 'abandoned'): AttemptRecord => ({
      deliveryId: `msg_${suffix}_${name}`,
      tenant,
      subject: 'lead-1',
      connectionId,
      eventId: `evt-${name}`,
      eventType: 'registration.created',
      status,
      attemptedAt: new Date(),
      statusCode: null,
      latencyMs: 3,
      // An OAuth2 token server's token_type, quoted into the reason (review of session 20).
      error: 'token_type \u0000 is not supported \ud800',
      responseExcerpt: 'binary\u0000body',
      queue: {
        channel: 'webhook',
        lane: null,
        message: Buffer.from('{}'),
        category: 'config',
        retryCount: 1,
        nextAttemptAt: status === 'retrying' ? new Date(Date.now() + 60_000) : null,
        origin: `nul-${suffix}.flowline.deliveries/0/1`,
      },
    });
    await store.record([attempt('retried', 'retrying'), attempt('abandoned', 'abandoned')]);

    const rows = await dataSource.query<Array<{ last_error: string; error: string; response_excerpt: string }>>(
      `SELECT d.last_error, a.error, a.response_excerpt FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id
        WHERE d.tenant_id = $1 ORDER BY d.id`,
      [tenant],
    );
    expect(rows).toEqual([
      {
        last_error: 'token_type  is not supported \ufffd',
        error: 'token_type  is not supported \ufffd',
        response_excerpt: 'binarybody',
      },
      {
        last_error: 'token_type  is not supported \ufffd',
        error: 'token_type  is not supported \ufffd',
        response_excerpt: 'binarybody',
      },
    ]);
    const [digest] = await dataSource.query<Array<{ error: string }>>(
      `SELECT first_failures->0->>'error' AS error FROM notification_digests WHERE connection_id = $1`,
      [connectionId],
    );
    expect(digest?.error).toBe('token_type  is not supported \ufffd');
  });

  it("uses the lane index: the store's held statuses are the ones its partial index is defined by", async () => {
    const [row] = await dataSource.query<Array<{ predicate: string }>>(
      `SELECT pg_get_expr(i.indpred, i.indrelid) AS predicate FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'deliveries_lane_queued'`,
    );
    for (const status of LANE_HOLDING_STATUSES) expect(row?.predicate).toContain(`'${status}'`);
  });
});
