import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { ClusterProcess } from './support/cluster-process';
import { waitForGroupCaughtUp } from './support/consumer-groups';
import { openDatabase } from './support/database';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const TYPES = ['pricing_page_view', 'whitepaper_download', 'demo_request'];

/**
 * The detector's state survives kill -9 and partitions moving between instances: each completed
 * sequence fires exactly once. The detector runs as real processes; the other services in here.
 */
describe('sequence detector durability', () => {
  // A short session: the group notices a killed detector in seconds, not the default 30.
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_PARTITIONS: '6',
    FLOWLINE_KAFKA_SESSION_TIMEOUT_MS: '6000',
    // A completion left unproduced by the kill is relayed after 2 s instead of a minute.
    FLOWLINE_SEQUENCE_RELAY_AFTER_S: '2',
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const tenant = `durable-${uniqueSuffix()}`;
  let rest: TestCluster;
  let dataSource: DataSource;
  let sequenceId: string;
  const detectors: ClusterProcess[] = [];

  beforeAll(async () => {
    await receiver.start();
    dataSource = await openDatabase(env);
    const api = await startCluster(env, ['api']);
    const client = await ApiClient.tenant(api.url, ADMIN_TOKEN, tenant);
    sequenceId = (
      await client.create('/sequences', {
        name: 'Buying intent',
        event_types: TYPES,
        window_seconds: 604800,
        ordered: true,
        webhook_url: receiver.url,
      })
    ).id;
    await api.close();
    rest = await startCluster(env, ['ingest', 'mapper', 'dispatcher']);
  });

  afterAll(async () => {
    await Promise.all(detectors.map((detector) => detector.stop('SIGKILL')));
    await rest?.close();
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  async function detector(): Promise<ClusterProcess> {
    const process = new ClusterProcess(env, 'sequence-detector');
    detectors.push(process);
    await process.start();
    return process;
  }

  const produce = (lead: string, steps: number[]) =>
    kafka.produceJson(
      topics.of(Topic.Ingest),
      steps.map((step) => ({
        key: `${tenant}:${lead}`,
        value: {
          id: `${lead}-${step}`,
          tenant,
          type: TYPES[step]!,
          subject: lead,
          time: new Date(Date.UTC(2025, 0, 10 + step)).toISOString(),
          data: {},
        },
      })),
    );
  const webhooksFor = (lead: string) =>
    receiver.requests.filter((request) => (JSON.parse(request.body) as { lead_id: string }).lead_id === lead);
  const detectorCaughtUp = () =>
    waitForGroupCaughtUp(kafka.kafka, topics.group('sequence-detector'), topics.of(Topic.Events));

  it('fires exactly once when killed between two events of a lead', async () => {
    const first = await detector();
    await produce('lead-between', [0, 1]);
    await waitForGroupCaughtUp(kafka.kafka, topics.group('ingest'), topics.of(Topic.Ingest));
    await detectorCaughtUp();
    await first.stop('SIGKILL');

    await detector();
    await produce('lead-between', [2]);
    await receiver.waitForCount(1);
    await detectorCaughtUp();
    await waitForPipelineDrainedWithoutFlows();
    expect(webhooksFor('lead-between')).toHaveLength(1);
  });

  it('fires exactly once when killed right after the last event', async () => {
    const before = receiver.requests.length;
    await produce('lead-after', [0, 1, 2]);
    // Kill as soon as the completion is recorded: before or after its action was produced.
    for (;;) {
      const rows = await dataSource.query<unknown[]>(
        'SELECT 1 FROM sequence_events WHERE sequence_id = $1 AND lead = $2',
        [sequenceId, 'lead-after'],
      );
      if (rows.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await detectors[detectors.length - 1]!.stop('SIGKILL');
    await detector();
    await receiver.waitForCount(before + 1, 60_000);
    await detectorCaughtUp();
    await waitForPipelineDrainedWithoutFlows();
    expect(webhooksFor('lead-after')).toHaveLength(1);
  });

  it('fires each lead exactly once while partitions move between two instances', async () => {
    const leads = Array.from({ length: 30 }, (_, index) => `lead-moving-${index}`);
    const before = receiver.requests.length;
    for (const lead of leads) await produce(lead, [0, 1]);
    await detectorCaughtUp();
    await detector(); // a second instance joins: the group rebalances under load
    for (const lead of leads) await produce(lead, [2]);
    await receiver.waitForCount(before + leads.length, 60_000);
    await detectorCaughtUp();
    await waitForPipelineDrainedWithoutFlows();
    for (const lead of leads) expect(webhooksFor(lead)).toHaveLength(1);
    const completed = await dataSource.query<Array<{ count: number }>>(
      'SELECT count(*)::int AS count FROM sequence_events WHERE sequence_id = $1',
      [sequenceId],
    );
    expect(completed[0]!.count).toBe(leads.length + 2);
  });

  /** Every hop but the flow evaluator, which this test does not run. */
  async function waitForPipelineDrainedWithoutFlows(): Promise<void> {
    for (const [service, topic] of [
      ['mapper', Topic.Actions],
      ['dispatcher', Topic.Deliveries],
    ] as const) {
      await waitForGroupCaughtUp(kafka.kafka, topics.group(service), topics.of(topic));
    }
  }
});
