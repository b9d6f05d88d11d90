import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';
import { REGISTRATION_FIELDS, registrationEvent } from './support/events';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const SUBJECTS = Array.from({ length: 40 }, (_, index) => `lead-${index + 1}`);
const PER_SUBJECT = 50;
const TOTAL = SUBJECTS.length * PER_SUBJECT;

interface RecoveryJob {
  id: string;
  status: string;
  matched: number;
  submitted: number;
  delivered: number;
  failed_again: number;
  skipped: number;
  progress_percent: number;
}

/**
 * Bulk recovery (issue 12, item 3; decision 0025) through the whole pipeline: 2,000 deliveries
 * abandoned while the receiver was down are resubmitted by one job once it is fixed, each
 * delivered exactly once, each subject's in order, and the job's progress reaches 100 %.
 */
describe('bulk recovery', () => {
  const env = testEnvironment({ FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const receiver = new HttpReceiver();
  const tenant = `recovery-${uniqueSuffix()}`;
  /** A second tenant whose connection takes 20 requests a second: its job is still running when the api stops. */
  const slowTenant = `recovery-slow-${uniqueSuffix()}`;
  let cluster: TestCluster;
  let dataSource: DataSource;
  let api: ApiClient;
  let slowApi: ApiClient;
  let connectionId: string;
  let slowConnectionId: string;
  let receiverStatus = 503;

  /** A connection to the receiver, a mapping and a flow for every registration. */
  async function configure(client: ApiClient, path: string, policy: Record<string, unknown>): Promise<string> {
    const connection = await client.create('/connections', {
      name: 'receiver that was down',
      url: `${receiver.url}${path}`,
      max_retries: 0,
      max_in_flight: 32,
      // Down longer than this would pause it; the test is about recovery, not the pause.
      pause_after_failing_s: 0,
      ...policy,
    });
    const mapping = await client.create('/mappings', { name: 'registration', fields: REGISTRATION_FIELDS });
    await client.create('/flows', {
      name: 'registrations',
      source: { types: ['registration.created'] },
      destination: { connection_id: connection.id, payload_mapping_id: mapping.id },
    });
    return connection.id;
  }

  beforeAll(async () => {
    await receiver.start();
    receiver.responder = () => ({ status: receiverStatus });
    dataSource = await openDatabase(env);
    cluster = await startCluster(env, ['api']);
    api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant);
    connectionId = await configure(api, '/crm', { rate_limit_per_s: 1000 });
    slowApi = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, slowTenant);
    slowConnectionId = await configure(slowApi, '/slow', { rate_limit_per_s: 20 });
    await cluster.close();
    cluster = await startCluster(env);
    api = api.at(cluster.url);
    slowApi = slowApi.at(cluster.url);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  const countByStatus = async (status: string, of = tenant) => {
    const [row] = await dataSource.query<Array<{ count: string }>>(
      'SELECT count(*) FROM deliveries WHERE tenant_id = $1 AND status = $2',
      [of, status],
    );
    return Number(row!.count);
  };

  it('a job over 2,000 abandoned deliveries delivers each exactly once, in each subject’s order, to 100 %', async () => {
    const producedAt = Date.now();
    for (let sequence = 1; sequence <= PER_SUBJECT; sequence += 10)
      await kafka.produceJson(
        topics.of(Topic.Ingest),
        SUBJECTS.flatMap((subject) =>
          Array.from({ length: 10 }, (_, offset) => ({
            key: `${tenant}:${subject}`,
            value: registrationEvent(tenant, subject, sequence + offset),
          })),
        ),
      );
    await eventually(
      `${TOTAL} deliveries abandoned`,
      async () => ((await countByStatus('abandoned')) === TOTAL ? true : undefined),
      180_000,
    );
    const abandonedInMs = Date.now() - producedAt;

    receiverStatus = 200;
    const fixedAt = receiver.requests.length;
    const startedAt = Date.now();
    const started = await api.call<RecoveryJob>('POST', '/retry-queue/submit', { connection_id: connectionId });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', matched: TOTAL });
    // One job per connection at a time.
    const second = await api.call<{ job_id: string }>('POST', `/connections/${connectionId}/recover`, {
      since: new Date(producedAt - 60_000).toISOString(),
    });
    expect(second).toMatchObject({ status: 409, body: { job_id: started.body.id } });

    const progress: number[] = [];
    const done = await eventually(
      'the job done',
      async () => {
        const { body } = await api.call<RecoveryJob>('GET', `/retry-queue/jobs/${started.body.id}`);
        if (progress.at(-1) !== body.progress_percent) progress.push(body.progress_percent);
        return body.status === 'done' ? body : undefined;
      },
      180_000,
    );
    const recoveredInMs = Date.now() - startedAt;
    expect(done).toMatchObject({
      matched: TOTAL,
      submitted: TOTAL,
      delivered: TOTAL,
      failed_again: 0,
      skipped: 0,
      progress_percent: 100,
    });
    expect(progress.every((value, index) => index === 0 || value > progress[index - 1]!)).toBe(true);
    expect(await countByStatus('succeeded')).toBe(TOTAL);

    const after = receiver.requests.slice(fixedAt);
    expect(after).toHaveLength(TOTAL);
    expect(new Set(after.map((request) => request.headers['webhook-id'])).size).toBe(TOTAL);
    const bodies = after.map((request) => JSON.parse(request.body) as { lead: string; sequence: number });
    for (const subject of SUBJECTS)
      expect(bodies.filter((body) => body.lead === subject).map((body) => body.sequence)).toEqual(
        Array.from({ length: PER_SUBJECT }, (_, index) => index + 1),
      );
    process.stdout.write(
      `bulk-recovery: ${TOTAL} deliveries abandoned in ${abandonedInMs} ms; the job delivered them in ` +
        `${recoveredInMs} ms; progress seen: ${progress.join(', ')} %\n`,
    );
  }, 420_000);

  it('a job survives an api restart: the next api process resumes it where it stopped', async () => {
    receiverStatus = 503;
    const subjects = ['a', 'b', 'c', 'd'];
    await kafka.produceJson(
      topics.of(Topic.Ingest),
      subjects.flatMap((subject) =>
        Array.from({ length: 50 }, (_, index) => ({
          key: `${slowTenant}:${subject}`,
          value: registrationEvent(slowTenant, subject, index + 1),
        })),
      ),
    );
    await eventually(
      '200 deliveries abandoned',
      async () => ((await countByStatus('abandoned', slowTenant)) === 200 ? true : undefined),
      120_000,
    );
    receiverStatus = 200;
    const fixedAt = receiver.requests.length;
    const started = await slowApi.call<RecoveryJob>('POST', `/connections/${slowConnectionId}/recover`, {
      since: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect(started).toMatchObject({ status: 202, body: { matched: 200 } });
    const jobPath = `/retry-queue/jobs/${started.body.id}`;
    const before = await eventually('the job under way', async () => {
      const { body } = await slowApi.call<RecoveryJob>('GET', jobPath);
      return body.delivered >= 20 ? body : undefined;
    });
    expect(before.status).toBe('running');
    await cluster.close();
    cluster = await startCluster(env);
    slowApi = slowApi.at(cluster.url);
    api = api.at(cluster.url);
    const done = await eventually(
      'the resumed job done',
      async () => {
        const { body } = await slowApi.call<RecoveryJob>('GET', jobPath);
        return body.status === 'done' ? body : undefined;
      },
      120_000,
    );
    expect(done).toMatchObject({ matched: 200, delivered: 200, failed_again: 0, progress_percent: 100 });
    const after = receiver.requests.slice(fixedAt).filter((request) => request.path === '/slow');
    expect(new Set(after.map((request) => request.headers['webhook-id'])).size).toBe(200);
    expect(after).toHaveLength(200);
    const bodies = after.map((request) => JSON.parse(request.body) as { lead: string; sequence: number });
    for (const subject of subjects)
      expect(bodies.filter((body) => body.lead === subject).map((body) => body.sequence)).toEqual(
        Array.from({ length: 50 }, (_, index) => index + 1),
      );
    // A finished job cannot be cancelled; a filter naming no connection, flow or sequence is refused.
    expect((await slowApi.call('POST', `${jobPath}/cancel`)).status).toBe(409);
    expect((await slowApi.call('DELETE', jobPath)).status).toBe(409);
    expect((await slowApi.call('GET', '/retry-queue/jobs/6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b')).status).toBe(404);
    const refused = await slowApi.call<{ message: string[] }>('POST', '/retry-queue/submit', { status: 'failed' });
    expect(refused).toMatchObject({
      status: 400,
      body: { message: ['name at least one of connection_id, flow_id or sequence_id'] },
    });
    const listed = await slowApi.call<{ jobs: RecoveryJob[] }>('GET', '/retry-queue/jobs');
    expect(listed.body.jobs.map((job) => job.id)).toEqual([started.body.id]);
    process.stdout.write(
      `bulk-recovery restart: stopped at ${before.delivered}/200 delivered (${before.progress_percent} %), resumed to 100 %\n`,
    );
  }, 300_000);
});
