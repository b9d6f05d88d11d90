#!/usr/bin/env node
/*
 * Smoke test for the local Kafka broker (deploy/local/kafka.sh) using kafkajs,
 * the client Flowline uses. Exercises exactly the features Flowline relies on:
 *
 *   admin createTopics (3 partitions) -> idempotent producer -> consumer group with
 *   eachBatch + manual resolveOffset / commitOffsetsIfNecessary (autoCommit off)
 *   -> admin fetchOffsets -> transactional producer with sendOffsets + commit
 *   (and an aborted transaction that must stay invisible to read_committed)
 *   -> deleteGroups -> listTopics -> deleteTopics.
 *
 * Usage: KAFKA_BROKERS=localhost:9092 node deploy/local/kafka-smoke.js
 * Prints PASS/FAIL per step; exit code 0 only if every step passed.
 *
 * Note for kafkajs users: with autoCommit=false, calling commitOffsetsIfNecessary()
 * WITHOUT arguments is a no-op (it only commits when autoCommitInterval/Threshold
 * are reached). Pass the offsets explicitly: commitOffsetsIfNecessary(uncommittedOffsets()).
 */
'use strict';

const { Kafka, logLevel, Partitioners } = require('kafkajs');

const brokers = (process.env.KAFKA_BROKERS || 'localhost:9092')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const OVERALL_TIMEOUT_MS = Number(process.env.KAFKA_SMOKE_TIMEOUT_MS || 120000);
const STEP_TIMEOUT_MS = Number(process.env.KAFKA_SMOKE_STEP_TIMEOUT_MS || 45000);

const runId = `${Date.now().toString(36)}-${process.pid}`;
const topic = `flowline-smoke-${runId}`;
const groupId = `flowline-smoke-group-${runId}`;
const txnGroupId = `flowline-smoke-txn-group-${runId}`;
const verifyGroupId = `flowline-smoke-verify-${runId}`;
const transactionalId = `flowline-smoke-txn-${runId}`;
const PARTITIONS = 3;
const IDEMPOTENT_MESSAGES = 30;
const TXN_MESSAGES = 6;
const ABORTED_MESSAGES = 4;

const kafka = new Kafka({
  clientId: 'flowline-kafka-smoke',
  brokers,
  connectionTimeout: 3000,
  requestTimeout: 30000,
  retry: { retries: 5, initialRetryTime: 200 },
  logLevel: logLevel[String(process.env.KAFKA_SMOKE_LOG_LEVEL || 'ERROR').toUpperCase()] ?? logLevel.ERROR,
});

const results = [];
const cleanups = [];
let admin;

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await withTimeout(Promise.resolve().then(fn), STEP_TIMEOUT_MS, name);
    const ms = Date.now() - t0;
    results.push({ name, ok: true });
    console.log(`PASS ${name} (${ms} ms)${detail ? ` - ${detail}` : ''}`);
    return true;
  } catch (err) {
    const ms = Date.now() - t0;
    results.push({ name, ok: false });
    let type = err && err.type ? ` [${err.type}]` : '';
    if (err && Array.isArray(err.groups)) {
      type += ` ${JSON.stringify(err.groups.map((g) => ({ groupId: g.groupId, errorCode: g.errorCode, type: g.error && g.error.type })))}`;
    }
    console.log(`FAIL ${name} (${ms} ms)${type}: ${err && err.message ? err.message : err}`);
    if (process.env.KAFKA_SMOKE_DEBUG && err && err.stack) console.log(err.stack);
    return false;
  }
}

function skip(name, why) {
  results.push({ name, ok: false });
  console.log(`FAIL ${name}: skipped (${why})`);
}

/** Consume from `topic` in a fresh group until `predicate(received)` is true. */
async function consumeUntil({ group, predicate, readUncommitted = false }) {
  const consumer = kafka.consumer({
    groupId: group,
    readUncommitted,
    sessionTimeout: 10000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
    retry: { retries: 3 },
  });
  cleanups.push(() => consumer.disconnect());
  const received = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise((resolve, reject) => {
    consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
    consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({
          batch,
          resolveOffset,
          heartbeat,
          commitOffsetsIfNecessary,
          uncommittedOffsets,
          isRunning,
          isStale,
        }) => {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            received.push({ partition: batch.partition, offset: message.offset, value: message.value.toString() });
            resolveOffset(message.offset);
          }
          await heartbeat();
          // autoCommit is off: commit the resolved offsets explicitly.
          await commitOffsetsIfNecessary(uncommittedOffsets());
          if (predicate(received)) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return received;
}

function partitionsOffsets(fetched) {
  const t = fetched.find((x) => x.topic === topic);
  assert(t, `no offsets returned for ${topic}`);
  return Object.fromEntries(t.partitions.map((p) => [p.partition, Number(p.offset)]));
}

async function main() {
  console.log(`kafka-smoke: brokers=${brokers.join(',')} topic=${topic}`);
  admin = kafka.admin();
  cleanups.push(() => admin.disconnect());

  const connected = await step('admin connect + describeCluster', async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    assert(cluster.brokers.length >= 1, 'no brokers in cluster metadata');
    return `clusterId=${cluster.clusterId} controller=${cluster.controller} brokers=${cluster.brokers
      .map((b) => `${b.nodeId}@${b.host}:${b.port}`)
      .join(',')}`;
  });
  if (!connected) return;

  const created = await step(`admin createTopics (${PARTITIONS} partitions)`, async () => {
    const ok = await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    });
    assert(ok === true, 'createTopics returned false (topic already existed?)');
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const n = meta.topics[0].partitions.length;
    assert(n === PARTITIONS, `expected ${PARTITIONS} partitions, got ${n}`);
    return `${topic} with ${n} partitions`;
  });
  if (!created) return;

  const produced = await step(`idempotent producer sends ${IDEMPOTENT_MESSAGES} messages`, async () => {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    cleanups.push(() => producer.disconnect());
    await producer.connect();
    const messages = Array.from({ length: IDEMPOTENT_MESSAGES }, (_, i) => ({
      key: `key-${i % 7}`,
      value: `idem-${i}`,
      headers: { 'x-flowline-smoke': runId },
    }));
    const meta = await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();
    const parts = new Set(meta.map((m) => m.partition));
    assert(
      meta.every((m) => m.errorCode === 0),
      `produce errors: ${JSON.stringify(meta)}`,
    );
    return `acks from partitions [${[...parts].sort().join(',')}]`;
  });

  let perPartitionCount = {};
  const consumed = produced
    ? await step('consumer group eachBatch + resolveOffset + commitOffsetsIfNecessary (autoCommit=false)', async () => {
        const received = await consumeUntil({
          group: groupId,
          predicate: (r) => r.length >= IDEMPOTENT_MESSAGES,
        });
        assert(
          received.length === IDEMPOTENT_MESSAGES,
          `expected ${IDEMPOTENT_MESSAGES} messages, got ${received.length}`,
        );
        const values = new Set(received.map((m) => m.value));
        assert(values.size === IDEMPOTENT_MESSAGES, 'duplicate messages received');
        perPartitionCount = {};
        for (const m of received) perPartitionCount[m.partition] = (perPartitionCount[m.partition] || 0) + 1;
        return `received ${received.length} messages, per partition ${JSON.stringify(perPartitionCount)}`;
      })
    : (skip('consumer group eachBatch', 'nothing produced'), false);

  if (consumed) {
    await step('admin fetchOffsets matches committed consumer offsets', async () => {
      const offsets = partitionsOffsets(await admin.fetchOffsets({ groupId, topics: [topic] }));
      const latest = await admin.fetchTopicOffsets(topic);
      for (const p of latest) {
        const expected = Number(p.high);
        assert(
          offsets[p.partition] === expected,
          `partition ${p.partition}: committed ${offsets[p.partition]}, high watermark ${expected}`,
        );
        assert(
          expected === (perPartitionCount[p.partition] || 0),
          `partition ${p.partition}: high ${expected} != consumed ${perPartitionCount[p.partition] || 0}`,
        );
      }
      return `committed ${JSON.stringify(offsets)}`;
    });
  } else {
    skip('admin fetchOffsets', 'consumer step failed');
  }

  const txnOffsets = { 0: 5, 1: 3, 2: 1 };
  const txnDone = await step('transactional producer: send + sendOffsets + commit, then abort one', async () => {
    const producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    cleanups.push(() => producer.disconnect());
    await producer.connect();

    const txn = await producer.transaction();
    try {
      await txn.send({
        topic,
        messages: Array.from({ length: TXN_MESSAGES }, (_, i) => ({ key: `txn-${i}`, value: `txn-${i}` })),
      });
      await txn.sendOffsets({
        consumerGroupId: txnGroupId,
        topics: [
          {
            topic,
            partitions: Object.entries(txnOffsets).map(([partition, offset]) => ({
              partition: Number(partition),
              offset: String(offset),
            })),
          },
        ],
      });
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw e;
    }

    const aborted = await producer.transaction();
    await aborted.send({
      topic,
      messages: Array.from({ length: ABORTED_MESSAGES }, (_, i) => ({ key: `aborted-${i}`, value: `aborted-${i}` })),
    });
    await aborted.abort();
    await producer.disconnect();
    return `committed ${TXN_MESSAGES} messages + offsets for ${txnGroupId}, aborted ${ABORTED_MESSAGES}`;
  });

  if (txnDone) {
    await step('transactional offsets visible via admin fetchOffsets', async () => {
      const offsets = partitionsOffsets(await admin.fetchOffsets({ groupId: txnGroupId, topics: [topic] }));
      for (const [p, o] of Object.entries(txnOffsets)) {
        assert(offsets[p] === o, `partition ${p}: expected ${o}, got ${offsets[p]}`);
      }
      return `committed ${JSON.stringify(offsets)}`;
    });
    await step('read_committed consumer sees committed txn, not aborted one', async () => {
      const expected = IDEMPOTENT_MESSAGES + TXN_MESSAGES;
      const received = await consumeUntil({
        group: verifyGroupId,
        predicate: (r) => r.length >= expected,
      });
      // Aborted records sit after the committed ones in each partition, so a broken
      // read_committed would show them in the same fetches (and inflate the count).
      const txn = received.filter((m) => m.value.startsWith('txn-')).length;
      const aborted = received.filter((m) => m.value.startsWith('aborted-')).length;
      assert(txn === TXN_MESSAGES, `expected ${TXN_MESSAGES} txn messages, got ${txn}`);
      assert(aborted === 0, `read_committed consumer saw ${aborted} aborted messages`);
      assert(received.length === expected, `expected ${expected} messages, got ${received.length}`);
      return `${received.length} messages (${txn} transactional, ${aborted} aborted)`;
    });
  } else {
    skip('transactional offsets visible via admin fetchOffsets', 'transaction step failed');
    skip('read_committed consumer', 'transaction step failed');
  }

  // Groups go before the topic: once the topic is gone the broker may drop the
  // now offset-less groups on its own (GROUP_ID_NOT_FOUND), which is fine too.
  await step('admin deleteGroups (cleanup)', async () => {
    const ids = [groupId, txnGroupId, verifyGroupId];
    try {
      await admin.deleteGroups(ids);
    } catch (err) {
      const groups = (err && err.groups) || [];
      const real = groups.filter((g) => !(g.error && g.error.type === 'GROUP_ID_NOT_FOUND'));
      if (groups.length === 0 || real.length > 0) throw err;
    }
    return `${ids.length} groups removed`;
  });

  await step('admin listTopics contains test topic', async () => {
    const topics = await admin.listTopics();
    assert(topics.includes(topic), `${topic} not in listTopics`);
    return `${topics.length} topics (${topics.filter((t) => !t.startsWith('flowline-smoke-')).join(', ') || 'none other'})`;
  });

  await step('admin deleteTopics removes test topic', async () => {
    await admin.deleteTopics({ topics: [topic], timeout: 15000 });
    const deadline = Date.now() + 15000;
    for (;;) {
      const topics = await admin.listTopics();
      if (!topics.includes(topic)) return `${topic} deleted`;
      if (Date.now() > deadline) throw new Error(`${topic} still listed 15 s after deleteTopics`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
}

async function runCleanups() {
  for (const fn of cleanups.reverse()) {
    try {
      await withTimeout(Promise.resolve().then(fn), 5000, 'cleanup');
    } catch {
      /* best effort */
    }
  }
}

const started = Date.now();
const watchdog = setTimeout(() => {
  console.log(`FAIL overall: timed out after ${OVERALL_TIMEOUT_MS} ms`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

main()
  .catch((err) => {
    results.push({ name: 'unexpected error', ok: false });
    console.log(`FAIL unexpected error: ${err && err.stack ? err.stack : err}`);
  })
  .then(runCleanups)
  .then(() => {
    clearTimeout(watchdog);
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed;
    console.log(`kafka-smoke: ${passed} passed, ${failed} failed (${Date.now() - started} ms)`);
    process.exit(failed === 0 && passed > 0 ? 0 : 1);
  });
