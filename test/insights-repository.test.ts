import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  InsightsFigures,
  InsightsRepository,
  InsightsTally,
  ValidationFailureRecord,
  ValidationFailureRepository,
} from '@flowline/db';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';

const H = (hour: number, minute = 0) => new Date(Date.UTC(2025, 0, 10, hour, minute));
const none = { inactive: 0, mode: 0, source: 0, untagged_status: 0, activation: 0, filter: 0 };
const zero: InsightsFigures = {
  changesProcessed: 0,
  uniqueRegistrations: 0,
  actionsTriggered: 0,
  actionsNotTriggered: 0,
  actionsNotTriggeredByReason: none,
  activeFlows: 0,
  deliveriesSucceeded: 0,
  deliveriesFailed: 0,
  inRetryQueue: 0,
  totalRetried: 0,
  retriedAbandoned: 0,
  validationErrors: 0,
};

describe('the insights repositories against PostgreSQL', () => {
  const env = testEnvironment();
  let dataSource: DataSource;
  let insights: InsightsRepository;

  beforeAll(async () => {
    dataSource = await openDatabase(env);
    insights = new InsightsRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const tally = (tenant: string, overrides: Partial<InsightsTally>): InsightsTally => ({
    tenant,
    hour: H(9),
    live: true,
    changesProcessed: 0,
    actionsTriggered: 0,
    notTriggered: none,
    subjects: [],
    flowIds: [],
    ...overrides,
  });

  it('adds chunks up per hour, counts a subject and a flow once per period, and keeps tenants apart', async () => {
    const tenant = `acme-${uniqueSuffix()}`;
    const other = `globex-${uniqueSuffix()}`;
    const [f1, f2, f3] = [randomUUID(), randomUUID(), randomUUID()];
    await insights.record([
      tally(tenant, {
        changesProcessed: 3,
        actionsTriggered: 2,
        notTriggered: { ...none, filter: 1 },
        subjects: ['att-1', 'att-2'],
        flowIds: [f1],
      }),
      tally(tenant, { hour: H(10), changesProcessed: 2, actionsTriggered: 2, subjects: ['att-1'], flowIds: [f1, f2] }),
      tally(tenant, { live: false, changesProcessed: 1, actionsTriggered: 1, subjects: ['att-9'], flowIds: [f3] }),
      tally(other, { changesProcessed: 7, subjects: ['att-1'], notTriggered: { ...none, source: 7 } }),
    ]);
    // A second chunk of the same hour (or the same chunk redelivered) adds to the counters;
    // its subjects and flows are already known.
    await insights.record([
      tally(tenant, {
        changesProcessed: 1,
        notTriggered: { ...none, untagged_status: 1 },
        subjects: ['att-2'],
        flowIds: [],
      }),
    ]);

    const all = await insights.figures({ tenant, from: H(9), to: H(11) });
    expect(all).toEqual({
      ...zero,
      changesProcessed: 7,
      uniqueRegistrations: 3,
      actionsTriggered: 5,
      actionsNotTriggered: 2,
      actionsNotTriggeredByReason: { ...none, filter: 1, untagged_status: 1 },
      activeFlows: 3,
    });
    expect(await insights.figures({ tenant, from: H(9), to: H(11), live: true })).toEqual({
      ...zero,
      changesProcessed: 6,
      uniqueRegistrations: 2,
      actionsTriggered: 4,
      actionsNotTriggered: 2,
      actionsNotTriggeredByReason: { ...none, filter: 1, untagged_status: 1 },
      activeFlows: 2,
    });
    expect(await insights.figures({ tenant, from: H(9), to: H(11), live: false })).toMatchObject({
      changesProcessed: 1,
      uniqueRegistrations: 1,
      actionsTriggered: 1,
      activeFlows: 1,
    });
    // Hours overlapping the period count whole: 09:30–10:15 takes 09:00 and 10:00; 10:00–11:00 only 10:00.
    expect(await insights.figures({ tenant, from: H(9, 30), to: H(10, 15), live: true })).toMatchObject({
      changesProcessed: 6,
    });
    expect(await insights.figures({ tenant, from: H(10), to: H(11), live: true })).toMatchObject({
      changesProcessed: 2,
      uniqueRegistrations: 1,
      activeFlows: 2,
    });
    expect(await insights.figures({ tenant, from: H(11), to: H(12) })).toEqual(zero);
    expect(await insights.figures({ tenant: `nobody-${uniqueSuffix()}`, from: H(9), to: H(11) })).toEqual(zero);
  });

  it('keeps concurrent chunks of the same tenant and hour whole', async () => {
    const tenant = `busy-${uniqueSuffix()}`;
    const chunk = (index: number) => [
      tally(tenant, { changesProcessed: 1, actionsTriggered: 1, subjects: [`s-${index % 7}`] }),
      tally(tenant, { hour: H(10), changesProcessed: 1, subjects: [`s-${index % 5}`] }),
    ];
    await Promise.all(Array.from({ length: 20 }, (_, index) => insights.record(chunk(index))));
    expect(await insights.figures({ tenant, from: H(9), to: H(11) })).toMatchObject({
      changesProcessed: 40,
      actionsTriggered: 20,
      uniqueRegistrations: 7,
    });
  });

  it('reads the delivery figures of the period from the delivery log, live by their flow', async () => {
    const tenant = `deliv-${uniqueSuffix()}`;
    const [liveFlow, testFlow, goneFlow] = [randomUUID(), randomUUID(), randomUUID()];
    await dataSource.query('INSERT INTO tenants (id, name) VALUES ($1, $1)', [tenant]);
    await dataSource.query(
      `INSERT INTO flows (id, tenant_id, name, live, source) VALUES ($1, $3, 'live', true, '{}'), ($2, $3, 'test', false, '{}')`,
      [liveFlow, testFlow, tenant],
    );
    const delivery = async (
      flowId: string | null,
      status: string,
      createdAt: Date,
      extra: { retryCount?: number; category?: string; sequenceId?: string } = {},
    ): Promise<void> => {
      await dataSource.query(
        `INSERT INTO deliveries (id, tenant_id, subject, flow_id, sequence_id, event_id, event_type, status, created_at,
                                 retry_count, category)
         VALUES ($1, $2, 's', $3, $4, 'e', 't', $5, $6, $7, $8)`,
        [
          `msg_${randomUUID()}`,
          tenant,
          flowId,
          extra.sequenceId ?? null,
          status,
          createdAt.toISOString(),
          extra.retryCount ?? 0,
          extra.category ?? null,
        ],
      );
    };
    await delivery(liveFlow, 'succeeded', H(9, 1));
    await delivery(liveFlow, 'succeeded', H(9, 2), { retryCount: 2 });
    await delivery(liveFlow, 'failed', H(9, 3), { category: 'general' });
    await delivery(liveFlow, 'abandoned', H(9, 4), { retryCount: 3, category: 'connection' });
    await delivery(liveFlow, 'retrying', H(9, 5), { retryCount: 1, category: 'connection' });
    await delivery(liveFlow, 'held', H(7)); // waits now, created before the period
    await delivery(liveFlow, 'succeeded', H(10)); // at `to`: outside
    await delivery(null, 'succeeded', H(9, 6), { sequenceId: 'seq-1' }); // a sequence's: live
    await delivery(testFlow, 'failed', H(9, 7), { category: 'validation' });
    await delivery(testFlow, 'sending', H(9, 8));
    await delivery(goneFlow, 'succeeded', H(9, 9)); // its flow was deleted: neither live nor test

    const period = { tenant, from: H(9), to: H(10) };
    expect(await insights.figures(period)).toEqual({
      ...zero,
      deliveriesSucceeded: 4,
      deliveriesFailed: 3,
      inRetryQueue: 3,
      totalRetried: 6,
      retriedAbandoned: 1,
      validationErrors: 1,
    });
    expect(await insights.figures({ ...period, live: true })).toEqual({
      ...zero,
      deliveriesSucceeded: 3,
      deliveriesFailed: 2,
      inRetryQueue: 2,
      totalRetried: 6,
      retriedAbandoned: 1,
    });
    expect(await insights.figures({ ...period, live: false })).toEqual({
      ...zero,
      deliveriesFailed: 1,
      inRetryQueue: 1,
      validationErrors: 1,
    });
  });

  it('logs validation failures as failed deliveries of category validation, once', async () => {
    const tenant = `valid-${uniqueSuffix()}`;
    const failures = new ValidationFailureRepository(dataSource);
    const flowId = randomUUID();
    const connectionId = randomUUID();
    const failure: ValidationFailureRecord = {
      deliveryId: `msg_${uniqueSuffix()}`,
      tenant,
      subject: 'att-1',
      channel: 'webhook',
      connectionId,
      flowId,
      sequenceId: null,
      eventId: 'evt-1',
      eventType: 'registration.created',
      error: 'contact.email is required but has no value',
      failedAt: H(9, 30),
    };
    const email: ValidationFailureRecord = {
      ...failure,
      deliveryId: `msg_${uniqueSuffix()}`,
      channel: 'email',
      connectionId: null,
      flowId: null,
      sequenceId: 'seq-1',
      error: 'sequence seq-1 action lacks its events',
    };
    await failures.record([failure, email]);
    await failures.record([{ ...failure, error: 'again', failedAt: H(9, 45) }]); // a redelivered action
    const rows = await dataSource.query<Array<Record<string, unknown>>>(
      `SELECT id, subject, channel, connection_id, flow_id, sequence_id, event_id, event_type, status, attempts,
              last_status_code, last_error, category, retry_count, message, created_at, queued_at, delivered_at
         FROM deliveries WHERE tenant_id = $1 ORDER BY channel DESC`,
      [tenant],
    );
    const expected = (record: ValidationFailureRecord) => ({
      id: record.deliveryId,
      subject: 'att-1',
      channel: record.channel,
      connection_id: record.connectionId,
      flow_id: record.flowId,
      sequence_id: record.sequenceId,
      event_id: 'evt-1',
      event_type: 'registration.created',
      status: 'failed',
      attempts: 0,
      last_status_code: null,
      last_error: record.error,
      category: 'validation',
      retry_count: 0,
      message: null,
      created_at: H(9, 30),
      queued_at: H(9, 30),
      delivered_at: null,
    });
    expect(rows).toEqual([expected(failure), expected(email)]);
    expect(await insights.figures({ tenant, from: H(9), to: H(10) })).toMatchObject({
      deliveriesFailed: 2,
      validationErrors: 2,
    });
  });
});
