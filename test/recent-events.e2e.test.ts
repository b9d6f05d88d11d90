import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const MINUTE = 60_000;

interface EventList {
  from: string;
  to: string;
  events: Array<{ id: string; type: string; subject: string; data: Record<string, unknown>; received_at: string }>;
  more: boolean;
  scan: { records_scanned: number; complete: boolean; stopped_early: string | null; unread_before: string | null };
}

/**
 * `GET /events` against the real event log: the api reads `flowline.events` as ingest writes it
 * (records stamped when they were received), and each tenant sees only its own events, newest first,
 * within the period and limit it asked for; the read is bounded, and the answer says when it was cut.
 */
describe('GET /events', () => {
  const env = testEnvironment({ FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN });
  const config = loadConfig(env);
  const topics = new TopicNames(config.FLOWLINE_TOPIC_PREFIX);
  const kafka = new KafkaTestClient(config.KAFKA_BROKERS);
  const acmeId = `acme-${uniqueSuffix()}`;
  const globexId = `globex-${uniqueSuffix()}`;
  const now = Date.now();
  let cluster: TestCluster;
  let acme: ApiClient;
  let globex: ApiClient;

  /** An event as ingest writes it to the event log, received at `at`. */
  const logged = (tenant: string, id: string, at: number, subject = `att-${id}`) => ({
    key: `${tenant}:${subject}`,
    timestamp: at,
    value: {
      id,
      tenant,
      type: 'registration.created',
      subject,
      time: new Date(at - 1000).toISOString(),
      test: false,
      data: { profile: { email: `${id}@example.com` } },
      ingestedAt: at,
    },
  });
  const list = (client: ApiClient, query = '') => client.call<EventList>('GET', `/events${query}`);
  const ids = (answer: { body: EventList }) => answer.body.events.map((event) => event.id);

  beforeAll(async () => {
    cluster = await startCluster(env, ['api']);
    acme = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, acmeId);
    globex = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, globexId);
    await kafka.produceJson(topics.of(Topic.Events), [
      logged(acmeId, 'acme-3-days-ago', now - 3 * 24 * 60 * MINUTE),
      ...[50, 40, 30, 20, 10].map((ago) => logged(acmeId, `acme-${ago}-min-ago`, now - ago * MINUTE)),
      ...[45, 35, 25].map((ago) => logged(globexId, `globex-${ago}-min-ago`, now - ago * MINUTE)),
    ]);
  });

  afterAll(async () => {
    await cluster?.close();
    await kafka.close();
  });

  it("lists a tenant's own events of the last day, newest first, with the whole period read", async () => {
    const answer = await list(acme);
    expect(answer.status).toBe(200);
    expect(ids(answer)).toEqual([
      'acme-10-min-ago',
      'acme-20-min-ago',
      'acme-30-min-ago',
      'acme-40-min-ago',
      'acme-50-min-ago',
    ]);
    expect(answer.body.events[0]).toEqual({
      id: 'acme-10-min-ago',
      type: 'registration.created',
      subject: 'att-acme-10-min-ago',
      time: new Date(now - 10 * MINUTE - 1000).toISOString(),
      source: null,
      test: false,
      data: { profile: { email: 'acme-10-min-ago@example.com' } },
      received_at: new Date(now - 10 * MINUTE).toISOString(),
    });
    expect(answer.body.more).toBe(false);
    expect(answer.body.scan).toEqual({ records_scanned: 8, complete: true, stopped_early: null, unread_before: null });
    expect(Date.parse(answer.body.to) - Date.parse(answer.body.from)).toBe(24 * 60 * MINUTE);

    const theirs = await list(globex);
    expect(ids(theirs)).toEqual(['globex-25-min-ago', 'globex-35-min-ago', 'globex-45-min-ago']);
  });

  it('honours the limit and the period', async () => {
    const limited = await list(acme, '?limit=2');
    expect(ids(limited)).toEqual(['acme-10-min-ago', 'acme-20-min-ago']);
    expect(limited.body.more).toBe(true);

    const from = new Date(now - 45 * MINUTE).toISOString();
    const to = new Date(now - 20 * MINUTE).toISOString();
    const period = await list(acme, `?from=${from}&to=${to}`);
    // `from` is inclusive, `to` exclusive.
    expect(ids(period)).toEqual(['acme-30-min-ago', 'acme-40-min-ago']);
    expect(period.body).toMatchObject({ from, to, more: false, scan: { complete: true } });

    const week = await list(acme, `?from=${new Date(now - 4 * 24 * 60 * MINUTE).toISOString()}&limit=100`);
    expect(ids(week)).toHaveLength(6);
    expect(ids(week).at(-1)).toBe('acme-3-days-ago');
  });

  it('answers 400 listing every problem of a bad query, and 401 without a key', async () => {
    const reversed = await list(
      acme,
      `?from=${new Date(now).toISOString()}&to=${new Date(now - MINUTE).toISOString()}`,
    );
    expect(reversed).toMatchObject({ status: 400, body: { message: ['from must be before to'] } });

    const tooLong = await list(acme, `?from=2025-01-01T00:00:00Z&to=2025-01-09T00:00:00Z`);
    expect(tooLong).toMatchObject({
      status: 400,
      body: { message: ['from must be at most 7 days before to: the period spans 8.0 days'] },
    });

    const many = await list(acme, '?from=yesterday&limit=101');
    expect(many.status).toBe(400);
    expect(many.body).toMatchObject({ message: expect.arrayContaining([expect.stringMatching(/^from /)]) });
    expect(many.body).toMatchObject({ message: expect.arrayContaining([expect.stringMatching(/^limit /)]) });

    for (const limit of ['0', '1e2', 'ten']) expect((await list(acme, `?limit=${limit}`)).status).toBe(400);
    expect((await list(acme, `?from=${new Date(now + MINUTE).toISOString()}`)).status).toBe(400);
    expect((await new ApiClient(cluster.url, undefined).call('GET', '/events')).status).toBe(401);
  });

  it('reads at most 10,000 records, the newest, and says from when on its answer is complete', async () => {
    // Another tenant's burst, newer than an event of acme's: more records than one answer reads.
    // All in one partition: the read's budget then goes to that partition alone, and acme's event
    // is among the records it leaves out. (Keys name a tenant made up for the run: spread by key,
    // acme's partition could be one short enough to be read whole, and the event read after all.)
    const burstStart = now - 8 * MINUTE;
    const oldOne = { ...logged(acmeId, 'acme-before-the-burst', burstStart - MINUTE), partition: 0 };
    await kafka.produceJson(topics.of(Topic.Events), [oldOne]);
    for (let first = 0; first < 12_000; first += 3000)
      await kafka.produceJson(
        topics.of(Topic.Events),
        Array.from({ length: 3000 }, (_, index) => ({
          ...logged(globexId, `burst-${first + index}`, burstStart + first + index, `lead-${index % 300}`),
          partition: 0,
        })),
      );
    const from = new Date(oldOne.timestamp - 1000).toISOString();
    const cut = await list(acme, `?from=${from}`);
    expect(cut.status).toBe(200);
    expect(cut.body.scan).toMatchObject({ records_scanned: 10_000, complete: false, stopped_early: 'record_limit' });
    expect(ids(cut)).not.toContain('acme-before-the-burst');
    // Everything received from `unread_before` on was read; asking again up to it reaches further back.
    const unreadBefore = cut.body.scan.unread_before!;
    expect(Date.parse(unreadBefore)).toBeGreaterThan(oldOne.timestamp);
    const further = await list(acme, `?from=${from}&to=${unreadBefore}`);
    expect(ids(further)).toEqual(['acme-before-the-burst']);
    expect(further.body.scan).toMatchObject({ complete: true, stopped_early: null });
  });
});
