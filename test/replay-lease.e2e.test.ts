import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import type { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { ClusterProcess } from './support/cluster-process';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;

interface ReplayState {
  id: string;
  flow_id: string;
  status: string;
  owner: string | null;
  takeovers: number;
  events_read: number;
  error: string | null;
}

/**
 * Replays run under a lease (decision 0015): when the api process running them is killed, the
 * next api process resumes them from where their consumer group committed, so every action is
 * produced, the replays finish, and the tenant can start replays again.
 */
describe('a replay whose api process is killed', () => {
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_REPLAY_LEASE_MS: '2000',
    // The killed process's replay consumers leave their groups only when their session expires.
    FLOWLINE_KAFKA_SESSION_TIMEOUT_MS: '6000',
  });
  const config = loadConfig(env);
  const topics = new TopicNames(config.FLOWLINE_TOPIC_PREFIX);
  const tenant = `replay-lease-${uniqueSuffix()}`;
  const kafka = new KafkaTestClient(config.KAFKA_BROKERS);
  const receiver = new HttpReceiver();
  let api: ClusterProcess;
  let dataSource: DataSource;

  beforeAll(async () => {
    await receiver.start();
    dataSource = await openDatabase(env);
  });

  afterAll(async () => {
    await api?.stop('SIGKILL');
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  const replayRows = () =>
    dataSource.query<ReplayState[]>(
      'SELECT id, flow_id, status, owner, takeovers, events_read, error FROM replays WHERE tenant_id = $1',
      [tenant],
    );

  it('is resumed by the next api process, and the tenant can start replays again', async () => {
    // Only the api runs: the replays' actions stay in the actions topic, where they are counted.
    api = new ClusterProcess(env, 'api');
    await api.start();
    const client = await ApiClient.tenant(api.url, ADMIN_TOKEN, tenant);
    const connection = await client.create('/connections', { name: 'receiver', url: receiver.url });
    const mapping = await client.create('/mappings', {
      name: 'lead',
      fields: [{ target: 'lead', source: '$subject' }],
    });
    const flowFor = (type: string) =>
      client.create('/flows', {
        name: type,
        source: { types: [type] },
        destination: { connection_id: connection.id, payload_mapping_id: mapping.id },
      });
    const created = await flowFor('registration.created');
    const updated = await flowFor('registration.updated');

    // The event log as ingest writes it: a long one, so the kill comes while the replays read it.
    const perType = 15_000;
    const periodStart = new Date(Date.now() - 1000);
    const types = ['registration.created', 'registration.updated'];
    for (let first = 0; first < perType * 2; first += 3000) {
      await kafka.produceJson(
        topics.of(Topic.Events),
        Array.from({ length: 3000 }, (_, offset) => {
          const index = first + offset;
          const subject = `lead-${index % 500}`;
          const event = {
            id: `evt-${index}`,
            tenant,
            type: types[index % 2],
            subject,
            time: new Date().toISOString(),
            test: false,
            data: { index },
            ingestedAt: Date.now(),
          };
          return { key: `${tenant}:${subject}`, value: event };
        }),
      );
    }
    const period = { from: periodStart.toISOString(), to: new Date(Date.now() + 1000).toISOString() };

    for (const flow of [created, updated]) {
      expect((await client.call('POST', `/flows/${flow.id}/replay`, period)).status).toBe(202);
    }
    expect((await client.call('POST', `/flows/${created.id}/replay`, period)).status).toBe(429);
    await eventually('the replays have read part of the log', async () =>
      (await replayRows()).some((row) => row.events_read > 0) ? true : undefined,
    );
    const killed = await api.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    const left = await replayRows();
    expect(left.map((row) => row.status)).toEqual(['running', 'running']);
    // Killed mid-replay: not everything was read.
    expect(left.some((row) => row.events_read < perType * 2)).toBe(true);
    const deadOwner = left[0]!.owner;
    expect(deadOwner).not.toBeNull();

    // A replay whose runners died too often is failed rather than resumed once more.
    const [doomed] = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO replays (tenant_id, flow_id, from_time, to_time, owner, lease_expires_at, takeovers)
       VALUES ($1, $2, $3, $4, 'a process long gone', now() - interval '1 minute', 3) RETURNING id`,
      [tenant, created.id, period.from, period.to],
    );

    api = new ClusterProcess(env, 'api');
    await api.start();
    const finished = await eventually(
      'the replays are finished by the new api process',
      async () => {
        const rows = await replayRows();
        return rows.every((row) => row.status !== 'running') ? rows : undefined;
      },
      120_000,
    );
    const resumed = finished.filter((row) => row.id !== doomed!.id);
    for (const row of resumed) {
      expect(row).toMatchObject({ status: 'done', takeovers: 1, error: null });
      expect(row.owner).not.toBe(deadOwner);
    }
    expect(finished.find((row) => row.id === doomed!.id)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('stopped 4 times') as unknown,
    });

    // Every event's action was produced (some twice: the chunk in flight when the process died).
    const produced = await kafka.recordCount(topics.of(Topic.Actions));
    expect(produced).toBeGreaterThanOrEqual(perType * 2);
    const actions = await kafka.collect(topics.of(Topic.Actions), produced);
    const decoded = actions.map(
      (action) => JSON.parse(action.value!.toString()) as { flowId: string; event: { id: string; type: string } },
    );
    /** The events a flow's replay acted on: each of its type, once or more. */
    const actedOn = (flowId: string) => {
      const mine = decoded.filter((action) => action.flowId === flowId);
      return {
        events: new Set(mine.map((action) => action.event.id)).size,
        types: new Set(mine.map((a) => a.event.type)),
      };
    };
    expect(actedOn(created.id)).toEqual({ events: perType, types: new Set(['registration.created']) });
    expect(actedOn(updated.id)).toEqual({ events: perType, types: new Set(['registration.updated']) });

    // Nothing is left running: the tenant starts a replay again.
    expect((await client.at(api.url).call('POST', `/flows/${created.id}/replay`, period)).status).toBe(202);
  });
});
