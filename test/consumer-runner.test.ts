import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { ISocketFactory, Kafka, KafkaJSNonRetriableError, logLevel } from 'kafkajs';
import { loadConfig } from '@flowline/config';
import {
  ConsumedRecord,
  ConsumerRunner,
  ConsumerRunnerOptions,
  createKafka,
  planBoundedRead,
  ReadBounds,
} from '@flowline/kafka';
import { createLogger, FlowlineMetrics } from '@flowline/observability';
import { KafkaTestClient } from '@flowline/testing';
import { eventually } from './support/eventually';

/** The consumer runner against the real broker, where a unit test could only guess. */
describe('ConsumerRunner', () => {
  const brokers = loadConfig().KAFKA_BROKERS;
  const logger = createLogger('silent');
  const client = new KafkaTestClient(brokers);

  afterAll(async () => {
    await client.close();
  });

  async function topicWithOneRecord(): Promise<string> {
    const topic = `runner-${randomUUID()}`;
    const admin = client.kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    await client.produce(topic, [{ key: 'k', value: 'poison' }]);
    return topic;
  }

  it('reports a crash it cannot recover from, leaving the record uncommitted', async () => {
    const topic = await topicWithOneRecord();
    const groupId = `runner-${randomUUID()}`;
    let crashed: (error: Error) => void = () => undefined;
    const crash = new Promise<Error>((resolve) => (crashed = resolve));
    const runner = new ConsumerRunner({
      kafka: createKafka({ brokers, clientId: 'runner-test', logger }),
      groupId,
      topics: [topic],
      handler: () => Promise.reject(new KafkaJSNonRetriableError('this record can never be handled')),
      logger,
      metrics: new FlowlineMetrics(),
      onCrash: crashed,
    });
    await runner.start();
    const error = await crash;
    expect(error.message).toContain('this record can never be handled');
    await runner.stop();

    const admin = client.kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    expect(offsets!.partitions[0]!.offset).toBe('-1'); // nothing committed: the record is still there
  });

  it('reports the lag from committed offsets while its handler is stalled, retry tiers apart', async () => {
    const topic = `runner-${randomUUID()}`;
    const tier = `${topic}.retry.1`;
    const admin = client.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 2 },
        { topic: tier, numPartitions: 1 },
      ],
    });
    await admin.disconnect();
    await client.produce(topic, [{ key: 'first', value: 'stalls' }]);
    const groupId = `runner-${randomUUID()}`;
    const metrics = new FlowlineMetrics();
    const lagOf = async (name: string, of: string) =>
      (await metrics.registry.getSingleMetric(name)!.get()).values.find((value) => value.labels.topic === of)?.value;
    let stalled: () => void = () => undefined;
    const stall = new Promise<void>((resolve) => (stalled = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const runner = new ConsumerRunner({
      kafka: createKafka({ brokers, clientId: 'runner-test', logger }),
      groupId,
      topics: [topic, tier],
      waitingTopics: [tier],
      lagEveryMs: 200,
      // The first chunk hangs (a receiver that never answers), so nothing more is fetched.
      handler: async (_records, context) => {
        stalled();
        await Promise.race([released, new Promise((resolve) => context.signal.addEventListener('abort', resolve))]);
      },
      logger,
      metrics,
      onCrash: () => undefined,
    });
    try {
      await runner.start();
      await stall;
      await client.produce(
        topic,
        Array.from({ length: 30 }, (_, index) => ({ key: `k${index}`, value: 'later' })),
      );
      await client.produce(
        tier,
        Array.from({ length: 4 }, (_, index) => ({ key: `r${index}`, value: 'due later' })),
      );
      // Everything not committed is lag: the stalled record and the 30 behind it; the tier's 4 apart.
      await eventually('lag of the stalled topic', async () =>
        (await lagOf('flowline_consumer_lag', topic)) === 31 ? true : undefined,
      );
      expect(await lagOf('flowline_retry_lag', tier)).toBe(4);
      expect(await lagOf('flowline_consumer_lag', tier)).toBeUndefined();
      release();
      await eventually('lag back to 0 once handled and committed', async () =>
        (await lagOf('flowline_consumer_lag', topic)) === 0 ? true : undefined,
      );
    } finally {
      release();
      await runner.stop();
    }
  });

  it('commits a chunk that finishes while a rebalance waits for it: no record is handled twice (decision 0032)', async () => {
    const topic = `runner-${randomUUID()}`;
    const admin = client.kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    await client.produce(
      topic,
      Array.from({ length: 20 }, (_, index) => ({ key: `k${index}`, value: `v${index}`, partition: index % 2 })),
    );
    const groupId = `runner-${randomUUID()}`;
    /** `partition/offset` of every record a handler finished, in either member. */
    const handled: string[] = [];
    // What both members and kafkajs did, in order: printed if the records are not all committed,
    // since this test failed once in CI (after 60 s) and passed in every run here.
    const began = Date.now();
    const timeline: string[] = [];
    const note = (line: string) => timeline.push(`+${Date.now() - began} ms ${line}`);
    const memberLogger = (name: string) =>
      createLogger('info', {
        write: (line: string) => {
          const { level, msg, error, err, memberAssignment } = JSON.parse(line) as Record<string, unknown>;
          note(`${name} ${String(level)} ${String(msg)} ${JSON.stringify({ error, err, memberAssignment })}`);
        },
      });
    let entered: () => void = () => undefined;
    const firstChunkRuns = new Promise<void>((resolve) => (entered = resolve));
    let first = true;
    const member = (name: string, handler: ConsumerRunnerOptions['handler']) => {
      const memberLog = memberLogger(name);
      return new ConsumerRunner({
        kafka: createKafka({ brokers, clientId: 'runner-test', logger: memberLog, logLevel: logLevel.INFO }),
        groupId,
        topics: [topic],
        handler,
        logger: memberLog,
        metrics: new FlowlineMetrics(),
        onCrash: (error) => note(`${name} crashed: ${error.message}`),
      });
    };
    const finish = (name: string, records: ConsumedRecord[]) => {
      const finished = records.map((record) => `${record.partition}/${record.offset}`);
      note(`${name} finished ${finished.join(' ')}`);
      handled.push(...finished);
    };
    // The first member's first chunk is in flight when the second member joins, and finishes
    // (its outputs, here `handled`, out) only once the rebalance has begun.
    const firstMember = member('first', async (records, context) => {
      if (first) {
        first = false;
        note(`first holds partition ${records[0]!.partition}`);
        entered();
        // Also released when the runner stops, so a regression fails the assertions, not by a hang.
        await new Promise((resolve) => {
          context.rebalancing.addEventListener('abort', resolve);
          context.signal.addEventListener('abort', resolve);
        });
        note(`first released: ${context.rebalancing.aborted ? 'rebalancing' : 'stopping'}`);
      }
      finish('first', records);
    });
    const secondMember = member('second', (records) => {
      finish('second', records);
      return Promise.resolve();
    });
    try {
      await firstMember.start();
      await firstChunkRuns;
      note('second starting');
      await secondMember.start();
      note('second started');
      let committed = '';
      await eventually('every record committed', async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        committed = offsets!.partitions.map((partition) => `${partition.partition}:${partition.offset}`).join(' ');
        return offsets!.partitions.every((partition) => partition.offset === '10') ? true : undefined;
      }).catch((error: Error) => {
        throw new Error(`${error.message} (committed ${committed})\n${timeline.join('\n')}`);
      });
      expect(handled).toHaveLength(20);
      expect(new Set(handled).size).toBe(20);
    } finally {
      await Promise.all([firstMember.stop(), secondMember.stop()]);
      await admin.disconnect();
    }
  });

  describe('when an offset commit fails', () => {
    /**
     * A runner on a five-record topic whose first `drops` OffsetCommit requests (API key 8) close
     * their connection instead of reaching the broker, as when the group's coordinator dies under
     * the commit. Resolves once the group committed all five, with the offsets its handler saw.
     */
    async function commitWithDrops(drops: number): Promise<{ handled: string[]; dropsLeft: number }> {
      const topic = await topicWithOneRecord();
      await client.produce(
        topic,
        Array.from({ length: 4 }, (_, index) => ({ key: `k${index}`, value: `v${index}` })),
      );
      const groupId = `runner-${randomUUID()}`;
      let dropsLeft = drops;
      const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
        const socket = connect({ host, port }, onConnect);
        const write = socket.write.bind(socket) as (chunk: Buffer, ...rest: unknown[]) => boolean;
        socket.write = (chunk: Buffer, ...rest: unknown[]) => {
          if (dropsLeft > 0 && Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === 8) {
            dropsLeft -= 1;
            socket.destroy(new Error('the coordinator went away'));
            return false;
          }
          return write(chunk, ...rest);
        };
        return socket;
      };
      const handled: string[] = [];
      const crashes: Error[] = [];
      const runner = new ConsumerRunner({
        kafka: new Kafka({
          brokers,
          clientId: 'runner-test',
          socketFactory,
          logLevel: logLevel.NOTHING,
          retry: { initialRetryTime: 100, retries: 8 },
        }),
        groupId,
        topics: [topic],
        handler: (records) => {
          handled.push(...records.map((record) => record.offset));
          return Promise.resolve();
        },
        logger,
        metrics: new FlowlineMetrics(),
        // A crash would end in the wait below without a cause: it is reported instead.
        onCrash: (error) => crashes.push(error),
        commitRetryForMs: 2_000,
      });
      const admin = client.kafka.admin();
      await admin.connect();
      try {
        await runner.start();
        await eventually(
          'every record committed',
          async () => {
            if (crashes.length > 0) throw crashes[0]!;
            const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
            return offsets!.partitions[0]!.offset === '5' ? true : undefined;
          },
          30_000,
        );
        expect(crashes).toEqual([]);
        return { handled, dropsLeft };
      } finally {
        await runner.stop();
        await admin.disconnect();
      }
    }

    it('tries the commit again, so the chunk is handled once (decision 0034)', async () => {
      const { handled, dropsLeft } = await commitWithDrops(1);
      expect(dropsLeft).toBe(0);
      expect(handled).toEqual(['0', '1', '2', '3', '4']);
    });

    it('reads the chunk again once the commit keeps failing, instead of skipping it uncommitted (decision 0033)', async () => {
      // More attempts than fit in the 2 s the runner tries (after 0.25, 0.5 and 1 s): it gives the chunk up.
      const { handled, dropsLeft } = await commitWithDrops(5);
      expect(dropsLeft).toBe(0);
      // Read again from the last committed offset: at least once, and no record is left behind.
      expect(new Set(handled)).toEqual(new Set(['0', '1', '2', '3', '4']));
      expect(handled.length).toBeGreaterThan(5);
    });
  });

  describe('a bounded read', () => {
    const kafka = createKafka({ brokers, clientId: 'runner-test', logger });
    const PERIOD_START = Date.now() - 60_000;

    /** Two partitions: records stamped before the period, then `inPeriod` records stamped in it. */
    async function topicWithHistory(inPeriod: number): Promise<string> {
      const topic = `bounded-${randomUUID()}`;
      const admin = client.kafka.admin();
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
      await admin.disconnect();
      const producer = client.kafka.producer();
      await producer.connect();
      const stamped = (name: string, index: number, timestamp: number) => ({
        partition: index % 2,
        value: `${name}-${index}`,
        timestamp: String(timestamp),
      });
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 4 }, (_, index) => stamped('before', index, PERIOD_START - 10_000)),
      });
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: inPeriod }, (_, index) => stamped('in', index, PERIOD_START + 1000 + index)),
      });
      await producer.disconnect();
      return topic;
    }

    function boundedRunner(
      groupId: string,
      bounds: ReadBounds,
      handler: (records: ConsumedRecord[]) => Promise<void>,
      onCrash: (error: Error) => void = () => undefined,
    ): ConsumerRunner {
      return new ConsumerRunner({
        kafka,
        groupId,
        topics: [bounds.topic],
        bounds,
        handler,
        logger,
        metrics: new FlowlineMetrics(),
        onCrash,
        maxChunk: 2,
      });
    }

    async function committed(groupId: string, topic: string): Promise<Record<number, string>> {
      const admin = client.kafka.admin();
      await admin.connect();
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      await admin.disconnect();
      return Object.fromEntries(offsets!.partitions.map(({ partition, offset }) => [partition, offset]));
    }

    it('reads from the first record of the period to the ends captured at its start, and commits them', async () => {
      const topic = await topicWithHistory(6);
      const groupId = `bounded-${randomUUID()}`;
      const bounds = await planBoundedRead(kafka, { groupId, topic, fromTimestamp: PERIOD_START });
      expect(bounds.ends).toEqual([
        { partition: 0, offset: '5' },
        { partition: 1, offset: '5' },
      ]);
      expect(bounds.positions).toEqual([
        { partition: 0, offset: '2' },
        { partition: 1, offset: '2' },
      ]);
      // Produced after the start: beyond the ends, so not part of the read.
      await client.produce(topic, [{ value: 'late', key: 'late' }]);
      const handled: string[] = [];
      const runner = boundedRunner(groupId, bounds, (records) => {
        handled.push(...records.map((record) => record.value!.toString()));
        return Promise.resolve();
      });
      await runner.start();
      await runner.reachedEnd;
      await runner.stop();
      expect(handled.sort()).toEqual(['in-0', 'in-1', 'in-2', 'in-3', 'in-4', 'in-5']);
      expect(await committed(groupId, topic)).toEqual({ 0: '5', 1: '5' });
    });

    it('resumes at the committed position and stops at the first start’s ends', async () => {
      const topic = await topicWithHistory(8);
      const groupId = `bounded-${randomUUID()}`;
      const first = await planBoundedRead(kafka, { groupId, topic, fromTimestamp: PERIOD_START });
      // The first run dies on its second chunk of a partition, with one chunk of it committed.
      const firstHandled: string[] = [];
      let crashed: (error: Error) => void = () => undefined;
      const crash = new Promise<Error>((resolve) => (crashed = resolve));
      const dying = boundedRunner(
        groupId,
        first,
        (records) => {
          if (firstHandled.length >= 2) return Promise.reject(new KafkaJSNonRetriableError('runner died'));
          firstHandled.push(...records.map((record) => record.value!.toString()));
          return Promise.resolve();
        },
        crashed,
      );
      await dying.start();
      await crash;
      await dying.stop();
      await client.produce(topic, [{ value: 'late', key: 'late' }]);

      const resumed = await planBoundedRead(kafka, { groupId, topic, fromTimestamp: PERIOD_START, ends: first.ends });
      expect(resumed.ends).toEqual(first.ends);
      const handled: string[] = [];
      const runner = boundedRunner(groupId, resumed, (records) => {
        handled.push(...records.map((record) => record.value!.toString()));
        return Promise.resolve();
      });
      await runner.start();
      await runner.reachedEnd;
      await runner.stop();
      expect(firstHandled).toHaveLength(2);
      expect([...firstHandled, ...handled].sort()).toEqual(
        Array.from({ length: 8 }, (_, index) => `in-${index}`).sort(),
      );
      expect(await committed(groupId, topic)).toEqual({ 0: '6', 1: '6' });
    });

    it('is at its end at once when the period holds no record', async () => {
      const topic = await topicWithHistory(0);
      const groupId = `bounded-${randomUUID()}`;
      const bounds = await planBoundedRead(kafka, { groupId, topic, fromTimestamp: Date.now() + 60_000 });
      const runner = boundedRunner(groupId, bounds, () => Promise.reject(new Error('nothing is in the period')));
      await expect(runner.reachedEnd).resolves.toBeUndefined();
      expect(await committed(groupId, topic)).toEqual({ 0: '2', 1: '2' });
    });
  });
});
