import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { InsightsRepository, runRetentionPass } from '@flowline/db';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';

const DAY = 24 * 3600;
/** Retention's clock: far in the past, so only this test's rows are past any horizon. */
const NOW = new Date('2020-06-01T12:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY * 1000).toISOString();

const SETTINGS = {
  FLOWLINE_RETENTION_DELIVERIES_S: 30 * DAY,
  FLOWLINE_RETENTION_DELIVERY_RECORDS_S: 5 * DAY,
  FLOWLINE_RETENTION_RESPONSE_EXCERPTS_S: 7 * DAY,
  FLOWLINE_RETENTION_SEQUENCE_EVENTS_S: 90 * DAY,
  FLOWLINE_RETENTION_REPLAYS_S: 30 * DAY,
  FLOWLINE_RETENTION_INSIGHTS_S: 400 * DAY,
  FLOWLINE_DEDUPE_HORIZON_S: 7 * DAY,
  // Two rows a statement: every class takes several batches.
  FLOWLINE_RETENTION_BATCH_SIZE: 2,
  FLOWLINE_SEQUENCE_LATENESS_S: 300,
};

/**
 * Retention against PostgreSQL (docs/CONTRACT.md §15, decision 0021): rows of every class on both sides
 * of their horizon, and deliveries waiting for a retry, held, or being sent, older than any
 * horizon, which are never removed.
 */
describe('retention', () => {
  const env = testEnvironment();
  const tenant = `retention-${uniqueSuffix()}`;
  const flowId = randomUUID();
  let dataSource: DataSource;

  const ids = async (sql: string) =>
    (await dataSource.query<Array<{ id: string }>>(sql, [tenant])).map((row) => row.id).sort();

  beforeAll(async () => {
    dataSource = await openDatabase(env);
    await dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, $1)`, [tenant]);
    const delivery = (id: string, status: string, updatedDaysAgo: number, message: string | null) =>
      dataSource.query(
        `INSERT INTO deliveries (id, tenant_id, subject, flow_id, event_id, event_type, status, attempts, retry_count,
                                 message, created_at, updated_at)
         VALUES ($1 || '-' || $2, $2, 'lead', $3, 'evt', 'registration.created', $4, 1, 1, $5, $6, $6)`,
        [id, tenant, flowId, status, message === null ? null : Buffer.from(message), ago(updatedDaysAgo)],
      );
    await delivery('old-succeeded', 'succeeded', 40, null);
    await delivery('old-failed', 'failed', 40, 'record');
    await delivery('old-abandoned', 'abandoned', 31, 'record');
    await delivery('old-retrying', 'retrying', 40, 'record');
    await delivery('old-held', 'held', 40, 'record');
    await delivery('old-sending', 'sending', 40, 'record');
    await delivery('recent-succeeded', 'succeeded', 1, null);
    await delivery('week-failed', 'failed', 10, 'record');
    await delivery('new-failed', 'failed', 1, 'record');
    const attempt = (deliveryId: string, daysAgo: number) =>
      dataSource.query(
        `INSERT INTO delivery_attempts (delivery_id, tenant_id, attempted_at, status_code, latency_ms, response_excerpt)
         VALUES ($1 || '-' || $2, $2, $3, 500, 10, 'excerpt')`,
        [deliveryId, tenant, ago(daysAgo)],
      );
    await attempt('old-succeeded', 41);
    await attempt('old-succeeded', 40);
    await attempt('old-retrying', 40);
    await attempt('recent-succeeded', 10);
    await attempt('recent-succeeded', 1);

    const [shortSequence] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO sequences (tenant_id, name, event_types, window_seconds) VALUES ($1, 'short', '{a,b}', 3600) RETURNING id`,
      [tenant],
    );
    const [longSequence] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO sequences (tenant_id, name, event_types, window_seconds) VALUES ($1, 'long', '{a,b}', $2) RETURNING id`,
      [tenant, 200 * DAY],
    );
    const state = (sequenceId: string, lead: string, state: object, daysAgo: number) =>
      dataSource.query(
        `INSERT INTO sequence_state (sequence_id, lead, tenant_id, state, updated_at) VALUES ($1, $2, $3, $4, $5)`,
        [sequenceId, lead, tenant, JSON.stringify(state), ago(daysAgo)],
      );
    await state(shortSequence!.id, 'old-latch', { firedAt: 1 }, 100);
    await state(shortSequence!.id, 'old-open', { seen: [] }, 100);
    await state(shortSequence!.id, 'recent-open', { seen: [] }, 1);
    await state(longSequence!.id, 'old-open-long-window', { seen: [] }, 100);
    const completion = (lead: string, daysAgo: number, produced: boolean) =>
      dataSource.query(
        `INSERT INTO sequence_events (tenant_id, sequence_id, lead, events, completed_at, produced)
         VALUES ($1, $2, $3, '[]', $4, $5)`,
        [tenant, shortSequence!.id, lead, ago(daysAgo), produced],
      );
    await completion('old-produced', 100, true);
    await completion('old-unproduced', 100, false);
    await completion('recent-produced', 10, true);

    const replay = (eventId: string, status: string, finishedDaysAgo: number | null) =>
      dataSource.query(
        `INSERT INTO replays (tenant_id, flow_id, from_time, to_time, event_id, status, created_at, finished_at)
         VALUES ($1, $2, $3, $3, $4, $5, $3, $6)`,
        [tenant, flowId, ago(50), eventId, status, finishedDaysAgo === null ? null : ago(finishedDaysAgo)],
      );
    await replay('old-done', 'done', 40);
    await replay('old-running', 'running', null);
    await replay('recent-failed', 'failed', 10);

    for (const [table, extra] of [
      ['insights_hourly', ''],
      ['insights_hourly_subjects', `, '\\x00'::bytea`],
      ['insights_hourly_flows', `, '${flowId}'::uuid`],
    ] as const) {
      const column = {
        insights_hourly: '',
        insights_hourly_subjects: ', subject_digest',
        insights_hourly_flows: ', flow_id',
      }[table];
      for (const days of [401, 10])
        await dataSource.query(
          `INSERT INTO ${table} (tenant_id, hour, live${column}) VALUES ($1, date_trunc('hour', $2::timestamptz), true${extra})`,
          [tenant, ago(days)],
        );
    }
    for (const [id, days] of [
      ['old-event', 8],
      ['recent-event', 1],
    ] as const)
      await dataSource.query('INSERT INTO processed_events (tenant_id, event_id, seen_at) VALUES ($1, $2, $3)', [
        tenant,
        id,
        ago(days),
      ]);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('removes what is past each horizon, keeps the rest, and never what waits or is held', async () => {
    const insights = new InsightsRepository(dataSource);
    const period = { tenant, from: new Date(ago(60)), to: NOW };
    const figuresBefore = await insights.figures(period);

    const removed = await runRetentionPass(dataSource, SETTINGS, { now: NOW });

    expect(removed).toBeDefined();
    const suffix = `-${tenant}`;
    expect((await ids('SELECT id FROM deliveries WHERE tenant_id = $1')).map((id) => id.replace(suffix, ''))).toEqual([
      'new-failed',
      'old-held',
      'old-retrying',
      'old-sending',
      'recent-succeeded',
      'week-failed',
    ]);
    // Attempts went with their deliveries; old excerpts are cleared unless their delivery waits.
    expect(
      await dataSource.query(
        `SELECT replace(delivery_id, $2, '') AS delivery, response_excerpt FROM delivery_attempts
          WHERE tenant_id = $1 ORDER BY delivery_id, attempted_at`,
        [tenant, suffix],
      ),
    ).toEqual([
      { delivery: 'old-retrying', response_excerpt: 'excerpt' },
      { delivery: 'recent-succeeded', response_excerpt: null },
      { delivery: 'recent-succeeded', response_excerpt: 'excerpt' },
    ]);
    // Stored records of settled deliveries past their horizon are cleared; waiting ones keep theirs.
    expect(
      await ids(`SELECT replace(id, '-' || $1, '') AS id FROM deliveries WHERE tenant_id = $1 AND message IS NOT NULL`),
    ).toEqual(['new-failed', 'old-held', 'old-retrying', 'old-sending']);
    expect(await ids('SELECT lead AS id FROM sequence_state WHERE tenant_id = $1')).toEqual([
      'old-open-long-window',
      'recent-open',
    ]);
    expect(await ids('SELECT lead AS id FROM sequence_events WHERE tenant_id = $1')).toEqual([
      'old-unproduced',
      'recent-produced',
    ]);
    expect(await ids('SELECT event_id AS id FROM replays WHERE tenant_id = $1')).toEqual([
      'old-running',
      'recent-failed',
    ]);
    for (const table of ['insights_hourly', 'insights_hourly_subjects', 'insights_hourly_flows']) {
      expect(await dataSource.query(`SELECT hour FROM ${table} WHERE tenant_id = $1`, [tenant])).toEqual([
        { hour: new Date(new Date(ago(10)).setUTCMinutes(0, 0, 0)) },
      ]);
    }
    expect(await ids('SELECT event_id AS id FROM processed_events WHERE tenant_id = $1')).toEqual(['recent-event']);

    // The removed deliveries still count in the insights of their period.
    expect(await insights.figures(period)).toEqual(figuresBefore);
    expect(figuresBefore).toMatchObject({ deliveriesSucceeded: 2, deliveriesFailed: 4, retriedAbandoned: 1 });

    // A second pass finds nothing left.
    const again = await runRetentionPass(dataSource, SETTINGS, { now: NOW });
    expect(Object.values(again ?? {}).every((count) => count === 0)).toBe(true);
  });

  it('runs one pass at a time: another waits for none and does nothing', async () => {
    // Another pass holds the lock (from its own connection; the pool has two).
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtextextended('flowline.retention', 0))`);
      expect(await runRetentionPass(dataSource, SETTINGS, { now: NOW })).toBeUndefined();
      await holder.query(`SELECT pg_advisory_unlock(hashtextextended('flowline.retention', 0))`);
    } finally {
      await holder.release();
    }
    expect(await runRetentionPass(dataSource, SETTINGS, { now: NOW })).toBeDefined();
  });
});
