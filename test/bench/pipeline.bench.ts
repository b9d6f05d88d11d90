/**
 * End-to-end throughput and latency of Flowline against a raw kafkajs chain on the same broker.
 *
 *   npm run bench            (figures: docs/BENCHMARKS.md)
 *
 * 1. Raw chain: four consume→produce hops with no logic (eachBatch, produce with acks=all,
 *    commit after), the floor any Kafka pipeline of four hops pays on this machine.
 * 2. Flowline: every service in one process, one flow and mapping, webhooks to a local HTTP sink.
 * 3. Latency: Flowline at a fixed rate below its maximum, event produced → webhook received.
 * Both chains run in this one process, so they share the same CPU budget.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig, SERVICE_NAMES } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { createDataSource, runMigrations } from '@flowline/db';
import { launch } from '@flowline/runtime';
import { KafkaTestClient, seedIntegration } from '@flowline/testing';
import { SERVICE_MODULES } from '../../services/cluster/src/service-modules';

const EVENTS = Number(process.argv[2] ?? 20_000);
const SUBJECTS = 1_000;
const PARTITIONS = 12;
const HOPS = 4;
const LATENCY_SECONDS = 10;

const base = loadConfig();
const brokers = base.KAFKA_BROKERS;
const run = randomBytes(3).toString('hex');

function event(tenant: string, index: number, sentAt = Date.now()) {
  const subject = `lead-${index % SUBJECTS}`;
  return {
    key: `${tenant}:${subject}`,
    value: {
      id: `bench-${run}-${index}`,
      tenant,
      type: 'registration.created',
      subject,
      time: new Date().toISOString(),
      data: { profile: { first_name: 'Ada', last_name: 'Lovelace', email: `${subject}@example.com` }, sentAt },
    },
  };
}

async function produceAll(client: KafkaTestClient, topic: string, messages: Array<{ key: string; value: unknown }>) {
  for (let start = 0; start < messages.length; start += 1000) {
    await client.produceJson(topic, messages.slice(start, start + 1000));
  }
}

async function rawChain(tenant: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING });
  const topics = Array.from({ length: HOPS + 1 }, (_, hop) => `bench-${run}.raw.${hop}`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
  });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumers = [];
  for (let hop = 0; hop < HOPS; hop += 1) {
    const consumer = kafka.consumer({ groupId: `bench-${run}-raw-${hop}`, maxWaitTimeInMs: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topic: topics[hop]!, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        if (batch.messages.length === 0) return;
        await producer.send({
          topic: topics[hop + 1]!,
          acks: -1,
          messages: batch.messages.map((message) => ({ key: message.key, value: message.value })),
        });
        const last = batch.messages[batch.messages.length - 1]!.offset;
        resolveOffset(last);
        await commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }],
            },
          ],
        });
      },
    });
    consumers.push(consumer);
  }
  const client = new KafkaTestClient(brokers);
  const messages = Array.from({ length: EVENTS }, (_, index) => event(tenant, index));
  const started = performance.now();
  const arrived = client.collect(topics[HOPS]!, EVENTS, 600_000);
  await produceAll(client, topics[0]!, messages);
  await arrived;
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  await Promise.all(consumers.map((consumer) => consumer.disconnect()));
  await producer.disconnect();
  return EVENTS / seconds;
}

/** The HTTP sink runs in a child process (see http-sink.ts), so its work is not Flowline's. */
async function startSink() {
  const child = fork(join(__dirname, 'http-sink.js'));
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    url: `http://127.0.0.1:${port}`,
    waitFor: (count: number) =>
      new Promise<{ count: number; latencies: number[] }>((resolve) => {
        child.once('message', resolve);
        child.send({ wait: count });
      }),
    stop: () => child.disconnect(),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const tenant = `bench-${run}`;
  const prefix = `bench-${run}.`;
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    DATABASE_URL: base.DATABASE_URL,
    FLOWLINE_TOPIC_PREFIX: prefix,
    FLOWLINE_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL: 'error',
    PORT: '0',
    FLOWLINE_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8,::1',
  };
  console.log(`events: ${EVENTS}, subjects: ${SUBJECTS}, partitions: ${PARTITIONS}, broker: ${brokers.join(',')}`);

  const rawRate = await rawChain(tenant);
  console.log(`raw kafkajs chain, ${HOPS} hops:      ${rawRate.toFixed(0)} events/s`);

  const sink = await startSink();
  const dataSource = createDataSource(base.DATABASE_URL, { poolSize: 1 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  await seedIntegration(dataSource, {
    tenantId: tenant,
    receiverUrl: sink.url,
    eventTypes: ['registration.created'],
    fields: [
      { target: 'email', source: 'profile.email' },
      { target: 'firstName', source: 'profile.first_name' },
      { target: 'sentAt', source: 'sentAt' },
    ],
  });
  await dataSource.destroy();
  const cluster = await launch({
    names: [...SERVICE_NAMES],
    modules: SERVICE_NAMES.map((name) => SERVICE_MODULES[name]),
    env,
    handleSignals: false,
  });
  const client = new KafkaTestClient(brokers);
  const ingest = new TopicNames(prefix).of(Topic.Ingest);
  // Warm-up: group joins and connection pools, not measured.
  await produceAll(client, ingest, [event(tenant, -1)]);
  await sink.waitFor(1);

  const messages = Array.from({ length: EVENTS }, (_, index) => event(tenant, index));
  const started = performance.now();
  await produceAll(client, ingest, messages);
  await sink.waitFor(1 + EVENTS);
  const flowlineRate = EVENTS / ((performance.now() - started) / 1000);
  console.log(`flowline end to end, to HTTP sink:  ${flowlineRate.toFixed(0)} events/s`);
  const batches = await cluster.metrics.batchDuration.get();
  for (const value of batches.values.filter(
    (sample) => sample.metricName?.endsWith('_sum') || sample.metricName?.endsWith('_count'),
  )) {
    console.log(`  ${value.metricName} ${String(value.labels.group)} ${value.value.toFixed(2)}`);
  }
  console.log(`ratio flowline / raw chain:         ${(flowlineRate / rawRate).toFixed(2)} (goal >= 0.9)`);

  // Latency at a fixed rate: half the measured maximum, in 100 ms ticks.
  const rate = Math.max(10, Math.floor(flowlineRate / 2));
  const perTick = Math.max(1, Math.round(rate / 10));
  let index = EVENTS;
  const ticks = LATENCY_SECONDS * 10;
  for (let tick = 0; tick < ticks; tick += 1) {
    const tickStart = performance.now();
    const batch = Array.from({ length: perTick }, () => event(tenant, (index += 1)));
    await client.produceJson(ingest, batch);
    const wait = 100 - (performance.now() - tickStart);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const { latencies } = await sink.waitFor(1 + EVENTS + ticks * perTick);
  latencies.sort((a, b) => a - b);
  console.log(
    `latency at ${perTick * 10} events/s for ${LATENCY_SECONDS} s: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms`,
  );

  await client.close();
  await cluster.close();
  sink.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
