/**
 * End-to-end throughput, CPU and latency of Flowline against fair floors, side by side in one run.
 *
 *   npm run bench [-- events]              (figures: docs/BENCHMARKS.md)
 *   bash deploy/local/bench.sh --durable   the same against PostgreSQL with fsync and synchronous_commit on
 *
 * 1. Raw chain: four kafkajs consume→produce hops with no logic (eachBatch, Flowline's producer settings,
 *    acks=all, commit after), read back at the end.
 * 2. Floor chain: the same chain whose fourth hop POSTs each event with undici to the HTTP sink
 *    (the same child process Flowline delivers to) instead of producing it, 64 at a time (the
 *    dispatcher's max_in_flight for the seeded connection), then commits. This is what Flowline's
 *    shape costs with no logic at all: four consumes, three produces and one HTTP request per event.
 * 3. Flowline composed: every service in this process (as `run.sh` does); the tenant has 10
 *    flows, one of which matches the events (so one delivery per event).
 * 4. Flowline as deployed: each service its own process (`node dist/services/cluster/src/main.js <service>`).
 * 5. Flowline composed with metric updates and default collectors replaced by no-ops.
 * 6. Flowline composed, 10,000 flows over 1,000 tenants (10 each, one matching), events spread over them.
 *
 * Each line prints events/s, CPU-µs per event summed over every process of the run (this one
 * from `process.cpuUsage`, children, the broker and PostgreSQL from /proc; bench.sh passes the
 * broker's and PostgreSQL's pids), and latency (event produced → webhook received, at the sink)
 * at 50 % and 80 % of the floor chain's maximum, 10 s each; and beside each figure its ratio to
 * the floor chain's (or composed's) figure, as issue 13's goals use them. A pipeline in this
 * process also prints how late its event loop ran meanwhile; with BENCH_HOPS=1 each Flowline
 * pipeline prints its latency hop by hop, from its records' timestamps (`hop-latency.ts`).
 */
// First, before kafkajs loads: its produce path is patched as Flowline's processes run it (decision 0040).
import '@flowline/kafka';
import { ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import * as promClient from 'prom-client';
import { Agent, request } from 'undici';
import { loadConfig, SERVICE_NAMES } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { createDataSource, FlowEntity, runMigrations } from '@flowline/db';
import { KeyPartitioner, producerPatchInEffect } from '@flowline/kafka';
import { launch } from '@flowline/runtime';
import { KafkaTestClient, seedIntegration } from '@flowline/testing';
import { SERVICE_MODULES } from '../../services/cluster/src/service-modules';
import {
  brokerPid,
  CpuSample,
  cpuSample,
  cpuSince,
  machineTicks,
  postgresPid,
  procCpuUs,
  stealSince,
  totalCpu,
} from './cpu';
import { parseAblations } from './ablation';
import { forgetDatabaseRun } from './forget-database-run';
import { forgetKafkaRun } from './forget-kafka-run';
import { eventLoopDelayDuring, HopLatencies, hopLatencies } from './hop-latency';
import { profileWindow } from './profile-summary';
import type { SinkReport } from './http-sink';

const EVENTS = Number(process.argv[2] ?? 20_000);
/**
 * The order of the metrics off/on pipelines (BENCH_METRICS_ORDER, comma-separated; default
 * off,on,on,off), so that an effect of a pipeline's place in the process can be told from metrics'.
 */
const METRICS_ORDER = (process.env.BENCH_METRICS_ORDER ?? 'off,on,on,off').split(',').map((side) => {
  if (side !== 'on' && side !== 'off') throw new Error(`BENCH_METRICS_ORDER: 'on' or 'off', not '${side}'`);
  return side;
});
/** Events through each pipeline before it is measured (BENCH_WARM; the floor chain's too). */
const WARM_EVENTS = Number(process.env.BENCH_WARM ?? 0);
const SUBJECTS = 1_000;
const PARTITIONS = 12;
const HOPS = 4;
/** The seeded connection's max_in_flight: the floor chain POSTs this many at a time. */
const CONCURRENCY = 64;
const LATENCY_SECONDS = 10;
const LOADS = [0.5, 0.8] as const;
const FLOWS_PER_TENANT = 10;
const MANY_TENANTS = 1_000;
const RUN_TIMEOUT_MS = 600_000;
/**
 * Which parts run (comma-separated, default all but `floorlog`, `again` and `ablate`):
 * raw,floor,floorlog,composed,again,ablate,deployed,nometrics,many.
 */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'raw,floor,composed,deployed,nometrics,many').split(','));
/** The pipelines of the `ablate` part (BENCH_ABLATE; grammar in ablation.ts). */
const ABLATE = process.env.BENCH_ABLATE ?? 'base,base,claim,insights,attempts,claim+insights+attempts,base';

const base = loadConfig();
const brokers = base.KAFKA_BROKERS;
const run = randomBytes(3).toString('hex');
const SERVICE_ENTRY = join(__dirname, '../../services/cluster/src/main.js');

interface BenchEvent {
  key: string;
  value: unknown;
}

function event(tenant: string, variant: string, index: number, sentAt = Date.now()): BenchEvent {
  const subject = `lead-${index % SUBJECTS}`;
  return {
    key: `${tenant}:${subject}`,
    value: {
      id: `bench-${run}-${variant}-${index}`,
      tenant,
      type: 'registration.created',
      subject,
      time: new Date(sentAt).toISOString(),
      data: { profile: { first_name: 'Ada', last_name: 'Lovelace', email: `${subject}@example.com` }, sentAt },
    },
  };
}

async function produceAll(client: KafkaTestClient, topic: string, messages: BenchEvent[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 1000) {
    await client.produceJson(topic, messages.slice(start, start + 1000));
  }
}

// ---------------------------------------------------------------------------------------------
// The HTTP sink

/** The HTTP sink runs in a child process (see http-sink.ts), so its work is not Flowline's. */
async function startSink() {
  const child = fork(join(__dirname, 'http-sink.js'));
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    /** Resolves once `count` requests arrived since the last reset, with their latencies. */
    waitFor: (count: number) =>
      new Promise<SinkReport>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the sink did not get ${count} requests in time`)),
          RUN_TIMEOUT_MS,
        );
        child.once('message', (report: SinkReport) => {
          clearTimeout(timer);
          resolve(report);
        });
        child.send({ wait: count });
      }),
    reset: () => child.send({ reset: true }),
    stop: () => child.disconnect(),
  };
}

type Sink = Awaited<ReturnType<typeof startSink>>;

// ---------------------------------------------------------------------------------------------
// The raw chains

interface Chain {
  /** Where events go in. */
  input: string;
  /** Processes besides this one whose CPU is the chain's. */
  pids: number[];
  close(): Promise<void>;
}

/**
 * Four hops; with `sink`, the fourth POSTs each event there instead of producing it; with `log`
 * too, it then writes one row per event to PostgreSQL, in one statement per chunk, before it commits.
 */
async function rawChain(name: string, sink?: Sink, log?: DurableLog): Promise<Chain> {
  const kafka = new Kafka({ clientId: `bench-${name}`, brokers, logLevel: logLevel.NOTHING });
  const topics = Array.from({ length: HOPS + 1 }, (_, hop) => `bench-${run}.${name}.${hop}`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
  });
  await admin.disconnect();
  // Flowline's producer settings (libs/kafka FlowlineProducer: one request in flight, not
  // idempotent, decision 0029) and partitioner, so the floor's produce and hashing cost what Flowline's do.
  const producer = kafka.producer({ idempotent: false, maxInFlightRequests: 1, createPartitioner: KeyPartitioner });
  await producer.connect();
  const agent = new Agent({ connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  const post = async (value: Buffer | null): Promise<void> => {
    const parsed = JSON.parse(value!.toString('utf8')) as {
      data: { profile: { email: string; first_name: string }; sentAt: number };
    };
    const body = JSON.stringify({
      email: parsed.data.profile.email,
      firstName: parsed.data.profile.first_name,
      sentAt: parsed.data.sentAt,
    });
    const response = await request(sink!.url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body,
    });
    await response.body.text();
    if (response.statusCode !== 200) throw new Error(`POST answered ${response.statusCode}`);
  };
  const consumers: Consumer[] = [];
  for (let hop = 0; hop < HOPS; hop += 1) {
    const last = sink !== undefined && hop === HOPS - 1;
    const consumer = kafka.consumer({ groupId: `bench-${run}-${name}-${hop}`, maxWaitTimeInMs: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topic: topics[hop]!, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        if (batch.messages.length === 0) return;
        if (last) {
          // The agent holds CONCURRENCY connections and queues the rest: at most that many in flight.
          await Promise.all(batch.messages.map((message) => post(message.value)));
          await log?.write(batch.messages.map((message) => `${batch.partition}/${message.offset}`));
        } else {
          await producer.send({
            topic: topics[hop + 1]!,
            acks: -1,
            messages: batch.messages.map((message) => ({ key: message.key, value: message.value })),
          });
        }
        const lastOffset = batch.messages[batch.messages.length - 1]!.offset;
        resolveOffset(lastOffset);
        await commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() }],
            },
          ],
        });
      },
    });
    consumers.push(consumer);
  }
  return {
    input: topics[0]!,
    pids: sink ? [sink.pid] : [],
    close: async () => {
      await Promise.all(consumers.map((consumer) => consumer.disconnect()));
      await producer.disconnect();
      await agent.close();
      await log?.close();
      // Its topics and groups go at once: a broker holding every earlier part's slowed the later ones.
      await forgetKafkaRun(brokers, `bench-${run}.${name}.`);
      await forgetKafkaRun(brokers, `bench-${run}-${name}-`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Flowline, composed or as deployed

interface Pipeline extends Chain {
  tenants: string[];
  variant: string;
  topics: TopicNames;
  /** Composed (in this process): how its deliveries went (held, deferred, retried), from its metrics. */
  outcomes?: () => Promise<string>;
  /** As deployed: each service's process, whose CPU per event is printed on its own. */
  services?: Array<{ name: string; pid: number }>;
}

/** A tenant with FLOWS_PER_TENANT flows, one of which matches the events, all to the sink. */
async function seedTenants(tenants: string[], sinkUrl: string): Promise<void> {
  const dataSource = createDataSource(base.DATABASE_URL, { poolSize: 1 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  const extraFlows: FlowEntity[] = [];
  for (const tenantId of tenants) {
    const seeded = await seedIntegration(dataSource, {
      tenantId,
      receiverUrl: sinkUrl,
      eventTypes: ['registration.created'],
      fields: [
        { target: 'email', source: 'profile.email' },
        { target: 'firstName', source: 'profile.first_name' },
        { target: 'sentAt', source: 'sentAt' },
      ],
    });
    for (let flow = 1; flow < FLOWS_PER_TENANT; flow += 1) {
      extraFlows.push(
        dataSource.getRepository(FlowEntity).create({
          tenantId,
          name: `other-${flow}`,
          live: true,
          active: true,
          source: { types: [`other.type-${flow}`] },
          activateFor: {},
          filters: [],
          connectionId: seeded.connectionId,
          payloadMappingId: seeded.mappingId,
          headerMappingId: null,
        }),
      );
    }
  }
  for (let start = 0; start < extraFlows.length; start += 1000) {
    await dataSource.getRepository(FlowEntity).save(extraFlows.slice(start, start + 1000));
  }
  await dataSource.destroy();
}

function flowlineEnv(prefix: string): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(','),
    DATABASE_URL: base.DATABASE_URL,
    FLOWLINE_TOPIC_PREFIX: prefix,
    FLOWLINE_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL: 'error',
    PORT: '0',
    FLOWLINE_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8,::1',
  };
}

async function composed(variant: string, tenants: string[], sink: Sink, without: string[] = []): Promise<Pipeline> {
  const prefix = `bench-${run}-${variant}.`;
  await seedTenants(tenants, sink.url);
  const names = SERVICE_NAMES.filter((name) => !without.includes(name));
  const cluster = await launch({
    names,
    modules: names.map((name) => SERVICE_MODULES[name]),
    env: flowlineEnv(prefix),
    handleSignals: false,
  });
  return {
    input: new TopicNames(prefix).of(Topic.Ingest),
    topics: new TopicNames(prefix),
    pids: [sink.pid],
    tenants,
    variant,
    outcomes: async () => {
      const counts = async (metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }) =>
        (await metric.get()).values
          .filter((sample) => sample.value > 0)
          .map((sample) => `${Object.values(sample.labels).join(',')} ${sample.value}`)
          .join(', ');
      const deliveries = await counts(cluster.metrics.deliveries);
      if (deliveries === '') return 'deliveries: not counted (metrics off)';
      return `deliveries ${deliveries}; held ${(await counts(cluster.metrics.deliveriesHeld)) || 'none'}`;
    },
    close: async () => {
      await cluster.close();
      await forgetRun(variant);
    },
  };
}

/** One process per service, as an orchestrator runs them; resolves once each logged 'started'. */
async function deployed(variant: string, tenants: string[], sink: Sink): Promise<Pipeline> {
  const prefix = `bench-${run}-${variant}.`;
  await seedTenants(tenants, sink.url);
  const children: ChildProcess[] = [];
  // Their 'started' line is an info line; nothing on the hot path logs at info.
  const env = { ...process.env, ...flowlineEnv(prefix), LOG_LEVEL: 'info', LOG_FILE: '' };
  await Promise.all(
    SERVICE_NAMES.map(
      (name) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', SERVICE_ENTRY, name], {
            env,
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          children.push(child);
          createInterface({ input: child.stdout }).on('line', (line) => {
            if (line.includes('"msg":"started"')) resolve();
          });
          child.once('exit', (code, signal) => reject(new Error(`${name} exited early (${code ?? signal})`)));
        }),
    ),
  );
  return {
    input: new TopicNames(prefix).of(Topic.Ingest),
    topics: new TopicNames(prefix),
    pids: [sink.pid, ...children.map((child) => child.pid!)],
    services: SERVICE_NAMES.map((name, index) => ({ name, pid: children[index]!.pid! })),
    tenants,
    variant,
    close: async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              child.removeAllListeners('exit');
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
      await forgetRun(variant);
    },
  };
}

/**
 * A part's topics, groups and rows, deleted when it ends (the rows vacuumed): left for the parts
 * after it, they made the broker and PostgreSQL busier in each (docs/BENCHMARKS.md, "Session 12").
 */
async function forgetRun(variant: string): Promise<void> {
  await forgetKafkaRun(brokers, `bench-${run}-${variant}.`);
  await forgetDatabaseRun(base.DATABASE_URL, `bench-${run}-${variant}%`);
}

interface RoundTrips {
  count: number;
  ms: number;
}

/**
 * Counts (and times, request to answer) every Kafka request by API and every PostgreSQL
 * statement by its first word, made in this process from now on; `report(events)` prints them
 * per event. For BENCH_COUNT=1 runs only: wrapping every request costs a little.
 */
function countRoundTrips(): { report(events: number): string; stop(): void } {
  const kafka = new Map<string, RoundTrips>();
  const postgres = new Map<string, RoundTrips>();
  const add = (map: Map<string, RoundTrips>, key: string, ms: number) => {
    const entry = map.get(key) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += ms;
    map.set(key, entry);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const connection = (require('kafkajs/src/network/connection') as { prototype: Record<string, unknown> }).prototype;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const client = (require('pg') as { Client: { prototype: Record<string, unknown> } }).Client.prototype;
  const kafkaSend = connection.send as (this: unknown, options: { request: { apiName: string } }) => Promise<unknown>;
  const pgQuery = client.query as (this: unknown, ...args: unknown[]) => unknown;
  connection.send = async function (this: unknown, options: { request: { apiName: string } }) {
    const started = performance.now();
    try {
      return await kafkaSend.call(this, options);
    } finally {
      add(kafka, options.request.apiName, performance.now() - started);
    }
  };
  client.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
    const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?';
    const started = performance.now();
    const result = pgQuery.apply(this, args);
    if (result instanceof Promise)
      void result.finally(() => add(postgres, verb, performance.now() - started)).catch(() => undefined);
    return result;
  };
  const lines = (map: Map<string, RoundTrips>, events: number) =>
    [...map]
      .sort((a, b) => b[1].count - a[1].count)
      .map(([key, { count, ms }]) => `${key} ${fixed(count / events, 3)} (${fixed(ms / count, 1)} ms)`)
      .join(', ');
  return {
    report: (events) =>
      `round trips per event (mean duration): kafka ${lines(kafka, events)}\n${''.padEnd(36)}postgres ${lines(postgres, events)}`,
    stop: () => {
      connection.send = kafkaSend;
      client.query = pgQuery;
    },
  };
}

/** Metric updates and prom-client's default collectors as no-ops, for the next FlowlineMetrics. */
function metricsOff(): () => void {
  const restore: Array<() => void> = [];
  const replace = (target: object, key: string, value: unknown) => {
    const previous = Object.getOwnPropertyDescriptor(target, key);
    if (!previous) return;
    Object.defineProperty(target, key, { ...previous, value });
    restore.push(() => Object.defineProperty(target, key, previous));
  };
  const noop = () => undefined;
  for (const type of [promClient.Counter, promClient.Gauge, promClient.Histogram, promClient.Summary]) {
    const prototype = type.prototype as object;
    // Counters and histograms pick their `inc`/`observe` from these in their constructors.
    for (const method of ['inc', 'incWithoutExemplar', 'dec', 'set', 'observe', 'observeWithoutExemplar'])
      replace(prototype, method, noop);
    replace(prototype, 'labels', function (this: unknown) {
      return this;
    });
    replace(prototype, 'startTimer', () => () => 0);
  }
  replace(promClient, 'collectDefaultMetrics', noop);
  return () => restore.reverse().forEach((undo) => undo());
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Latency {
  rate: number;
  /** Events produced, numbered from 1. */
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** How late this process's event loop ran (composed: every service's), p50 / p99 ms. */
  loopDelay?: { p50: number; p99: number };
  /** With BENCH_HOPS=1: each hop's share, from the records' timestamps. */
  hops?: HopLatencies;
}

interface Figures {
  name: string;
  rate: number;
  cpuUs: number;
  cpu: CpuSample;
  latencies: Latency[];
  /** What the metrics say happened to the deliveries (composed runs). */
  outcomes?: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Events through `chain` as fast as it takes them; `arrived` resolves once all came out. */
async function throughput(
  chain: Chain,
  messages: BenchEvent[],
  arrived: () => Promise<unknown>,
): Promise<{ rate: number; cpu: CpuSample }> {
  const client = new KafkaTestClient(brokers);
  await client.produceJson(chain.input, []).catch(() => undefined); // connects the producer, unmeasured
  const cpuStart = cpuSample(chain.pids);
  const started = performance.now();
  const done = arrived();
  await produceAll(client, chain.input, messages);
  await done;
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSince(cpuStart, chain.pids);
  await client.close();
  return { rate: messages.length / seconds, cpu };
}

/** `rate` events/s for LATENCY_SECONDS, produced every 100 ms; produced → received at the sink. */
async function latencyAt(
  chain: Chain,
  sink: Sink,
  rate: number,
  make: (index: number) => BenchEvent,
): Promise<Latency> {
  const client = new KafkaTestClient(brokers);
  await client.produceJson(chain.input, []).catch(() => undefined);
  sink.reset();
  const perTick = Math.max(1, Math.round(rate / 10));
  const ticks = LATENCY_SECONDS * 10;
  let index = 0;
  const started = performance.now();
  for (let tick = 0; tick < ticks; tick += 1) {
    await client.produceJson(
      chain.input,
      Array.from({ length: perTick }, () => make((index += 1))),
    );
    const wait = started + (tick + 1) * 100 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const { latencies } = await sink.waitFor(ticks * perTick);
  await client.close();
  latencies.sort((a, b) => a - b);
  return {
    rate: perTick * 10,
    count: ticks * perTick,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1]!,
  };
}

/** Warm-up (group joins, connection pools; unmeasured), throughput, then latency at each load. */
async function measurePipeline(
  name: string,
  pipeline: Pipeline,
  sink: Sink,
  floorRate: number,
  { latency = true }: { latency?: boolean } = {},
): Promise<Figures> {
  const { tenants, variant } = pipeline;
  const tenantOf = (index: number) => tenants[index % tenants.length]!;
  const client = new KafkaTestClient(brokers);
  sink.reset();
  const warm = Math.max(tenants.length, WARM_EVENTS);
  await produceAll(
    client,
    pipeline.input,
    Array.from({ length: warm }, (_, index) => event(tenantOf(index), `${variant}-warm`, index)),
  );
  await sink.waitFor(warm);
  await client.close();
  sink.reset();
  const messages = Array.from({ length: EVENTS }, (_, index) => event(tenantOf(index), variant, index));
  // Only what runs in this process is counted: not the deployed services' requests.
  const counting = process.env.BENCH_COUNT === '1' && pipeline.outcomes ? countRoundTrips() : undefined;
  const servicesBefore = pipeline.services?.map(({ pid }) => procCpuUs(pid));
  const { rate, cpu } = await throughput(pipeline, messages, () => sink.waitFor(EVENTS));
  const byService = pipeline.services
    ?.map(({ name, pid }, index) => `${name} ${fixed((procCpuUs(pid) - servicesBefore![index]!) / EVENTS)}`)
    .join(', ');
  const roundTrips = counting?.report(EVENTS);
  counting?.stop();
  const latencies: Latency[] = [];
  let offset = EVENTS;
  for (const load of latency ? LOADS : []) {
    const start = offset;
    const { result, p50, p99 } = await eventLoopDelayDuring(() =>
      latencyAt(pipeline, sink, floorRate * load, (index) => event(tenantOf(start + index), variant, start + index)),
    );
    // latencyAt numbers its events from 1.
    const hops =
      process.env.BENCH_HOPS === '1'
        ? await hopLatencies(brokers, pipeline.topics, `bench-${run}-${variant}-`, start + 1, start + 1 + result.count)
        : undefined;
    latencies.push({ ...result, ...(pipeline.services ? {} : { loopDelay: { p50, p99 } }), ...(hops ? { hops } : {}) });
    offset += Math.ceil(floorRate * load * LATENCY_SECONDS) + 100;
  }
  const outcomes = [
    await pipeline.outcomes?.(),
    byService && `CPU-µs/event by service process: ${byService}`,
    roundTrips,
  ]
    .filter(Boolean)
    .join(`\n${''.padEnd(36)}`);
  return { name, rate, cpuUs: totalCpu(cpu) / EVENTS, cpu, latencies, ...(outcomes ? { outcomes } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Printing

const fixed = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function line(
  figures: Figures,
  floor: Figures | undefined,
  reference?: { name: string; figures: Figures; goal?: string },
): void {
  const { cpu } = figures;
  const share = (part: number) => fixed(part / EVENTS);
  let text =
    `${figures.name.padEnd(34)} ${fixed(figures.rate).padStart(7)} events/s` +
    (floor && floor !== figures ? ` (÷ floor ${fixed(figures.rate / floor.rate, 2)}, goal >= 0.7)` : '') +
    `  CPU ${fixed(figures.cpuUs)} µs/event` +
    (floor && floor !== figures ? ` (÷ floor ${fixed(figures.cpuUs / floor.cpuUs, 2)}, goal <= 1.5)` : '') +
    ` [bench ${share(cpu.bench)} + children ${share(cpu.children)} + broker ${share(cpu.broker)} + postgres ${share(cpu.postgres)}]`;
  figures.latencies.forEach((latency, index) => {
    const floorLatency = floor?.latencies[index];
    text +=
      `\n${''.padEnd(36)}at ${fixed(latency.rate)}/s (${LOADS[index]! * 100} %): p50 ${latency.p50} / p99 ${latency.p99} / max ${latency.max} ms` +
      (floorLatency && floor !== figures
        ? ` (÷ floor p50 ${fixed(latency.p50 / floorLatency.p50, 1)}, p99 ${fixed(latency.p99 / floorLatency.p99, 1)}` +
          `${LOADS[index] === 0.5 ? ', goal <= 2' : ''})`
        : '');
    if (latency.loopDelay)
      text += `; event loop late p50 ${fixed(latency.loopDelay.p50, 1)} / p99 ${fixed(latency.loopDelay.p99, 1)} ms`;
    if (latency.hops) {
      const { hops } = latency;
      const sum = Object.values(hops.hops).reduce((total, hop) => total + hop.p50, 0);
      text +=
        `\n${''.padEnd(38)}by hop, p50 / p99 ms (${hops.events} events): ` +
        Object.entries(hops.hops)
          .map(([hop, { p50, p99 }]) => `${hop} ${p50} / ${p99}`)
          .join(', ') +
        `, dispatcher (p50 left of the whole) ${latency.p50 - sum}`;
    }
  });
  if (reference) {
    text +=
      `\n${''.padEnd(36)}${reference.name}: events/s ${fixed(figures.rate / reference.figures.rate, 2)},` +
      ` CPU-µs/event ${fixed(figures.cpuUs / reference.figures.cpuUs, 2)}${reference.goal ? ` (goal ${reference.goal})` : ''}`;
  }
  if (figures.outcomes) text += `\n${''.padEnd(36)}${figures.outcomes}`;
  console.log(text);
}

/** The least a durable attempt log costs: one row per request, keyed, written once per chunk. */
interface DurableLog {
  write(ids: string[]): Promise<void>;
  close(): Promise<void>;
}

/** A table of its own, dropped at the end, on the benchmark's PostgreSQL with the pool size Flowline uses. */
async function durableLog(name: string): Promise<DurableLog> {
  const table = `bench_log_${run.replace(/[^a-z0-9]/gi, '')}_${name}`;
  const dataSource = createDataSource(base.DATABASE_URL);
  await dataSource.initialize();
  await dataSource.query(
    `CREATE TABLE ${table} (id text PRIMARY KEY, status_code int NOT NULL, attempted_at timestamptz NOT NULL)`,
  );
  return {
    write: async (ids) => {
      await dataSource.query(
        `INSERT INTO ${table} (id, status_code, attempted_at) SELECT id, 200, now() FROM unnest($1::text[]) AS t(id)`,
        [ids],
      );
    },
    close: async () => {
      await dataSource.query(`DROP TABLE ${table}`);
      await dataSource.destroy();
    },
  };
}

async function floorChainFigures(sink: Sink, withLog = false): Promise<Figures> {
  const name = withLog ? 'floorlog' : 'floor';
  const tenant = `bench-${run}-${name}`;
  const chain = await rawChain(name, sink, withLog ? await durableLog(name) : undefined);
  sink.reset();
  const warmUp = new KafkaTestClient(brokers);
  const warm = Math.max(1, WARM_EVENTS);
  await produceAll(
    warmUp,
    chain.input,
    Array.from({ length: warm }, (_, index) => event(tenant, `${name}-warm`, index)),
  );
  await sink.waitFor(warm);
  await warmUp.close();
  sink.reset();
  const messages = Array.from({ length: EVENTS }, (_, index) => event(tenant, name, index));
  const { rate, cpu } = await throughput(chain, messages, () => sink.waitFor(EVENTS));
  const figures: Figures = {
    name: withLog ? `floor chain + a logged row each` : `floor chain (${HOPS} hops, last POSTs)`,
    rate,
    cpuUs: totalCpu(cpu) / EVENTS,
    cpu,
    latencies: [],
  };
  for (const load of LOADS) {
    figures.latencies.push(
      await latencyAt(chain, sink, rate * load, (index) => event(tenant, `${name}-${load}`, index)),
    );
  }
  await chain.close();
  return figures;
}

async function main(): Promise<void> {
  const machineAtStart = machineTicks();
  const [load1, load5] = loadavg();
  console.log(
    `events: ${EVENTS}, subjects: ${SUBJECTS}, partitions: ${PARTITIONS}, broker: ${brokers.join(',')}, ` +
      `postgres: ${process.env.BENCH_POSTGRES ?? 'unknown'}; load average ${fixed(load1!, 2)} / ${fixed(load5!, 2)}; ` +
      `CPU counted: bench process, children${brokerPid ? ', broker' : ''}${postgresPid ? ', postgres' : ''}; ` +
      `kafkajs produce path patch (decision 0040) ${producerPatchInEffect() ? 'in effect' : 'NOT in effect'}`,
  );
  // What a killed run left (its topics, groups and rows) goes first: a broker holding hundreds of
  // stale partitions does more work for every run after. Benchmarks never share a broker.
  await forgetKafkaRun(brokers, 'bench-');
  await forgetDatabaseRun(base.DATABASE_URL, 'bench-%');
  const sink = await startSink();
  const tenant = (name: string) => `bench-${run}-${name}`;

  let raw: Figures | undefined;
  if (PARTS.has('raw')) {
    const chain = await rawChain('raw');
    const collector = new KafkaTestClient(brokers);
    const messages = Array.from({ length: EVENTS }, (_, index) => event(tenant('raw'), 'raw', index));
    const { rate, cpu } = await throughput(chain, messages, () =>
      collector.collect(chain.input.replace(/\.0$/, `.${HOPS}`), EVENTS, RUN_TIMEOUT_MS),
    );
    await collector.close();
    await chain.close();
    raw = { name: `raw kafkajs chain, ${HOPS} hops`, rate, cpuUs: totalCpu(cpu) / EVENTS, cpu, latencies: [] };
  }

  // The floor chain: its maximum sets the offered rates of every latency measurement (without
  // it, for profiling one part alone, BENCH_RATE events/s is the 100 %).
  let floor: Figures | undefined;
  if (PARTS.has('floor')) floor = await floorChainFigures(sink);
  const fullRate = floor?.rate ?? Number(process.env.BENCH_RATE ?? 1000);
  if (raw) line(raw, undefined);
  if (floor) line(floor, floor);
  // Not in the default: the floor chain whose last hop also logs each request durably, the least
  // of what Flowline must write per delivery (docs/BENCHMARKS.md, "What the goals would take").
  if (PARTS.has('floorlog')) line(await floorChainFigures(sink, true), floor);

  let composedFigures: Figures | undefined;
  if (PARTS.has('composed')) {
    const pipeline = await composed('composed', [tenant('composed')], sink);
    composedFigures = await profileWindow('composed', () =>
      measurePipeline('flowline composed (1 process)', pipeline, sink, fullRate),
    );
    await pipeline.close();
    line(composedFigures, floor);
  }
  // The same again, in the same process: the first composed pipeline of a process costs more
  // than the next (docs/BENCHMARKS.md, "Metrics on ÷ off is a measurement of order").
  if (PARTS.has('again')) {
    const pipeline = await composed('again', [tenant('again')], sink);
    const figures = await profileWindow('composed again', () =>
      measurePipeline('flowline composed again (1 process)', pipeline, sink, fullRate),
    );
    await pipeline.close();
    line(figures, floor, composedFigures && { name: 'again ÷ first', figures: composedFigures });
  }
  if (PARTS.has('ablate')) {
    // What each write (or index, or service) costs end to end, by removing it: composed
    // pipelines in turn, throughput only (test/bench/ablation.ts). Not in the default parts.
    for (const [index, ablation] of parseAblations(ABLATE).entries()) {
      const variant = `ablate-${index}`;
      const restore = await ablation.apply(base.DATABASE_URL);
      try {
        const pipeline = await composed(variant, [tenant(variant)], sink, ablation.without);
        const figures = await measurePipeline(`ablate ${ablation.name}`, pipeline, sink, fullRate, { latency: false });
        await pipeline.close();
        line(figures, floor);
      } finally {
        await restore();
      }
    }
  }
  if (PARTS.has('deployed')) {
    const pipeline = await deployed('deployed', [tenant('deployed')], sink);
    const figures = await measurePipeline('flowline deployed (6 processes)', pipeline, sink, fullRate);
    await pipeline.close();
    line(figures, floor);
  }
  if (PARTS.has('nometrics')) {
    // On ÷ off is a few per cent, less than one run's spread, and the first composed pipeline of
    // a process costs more than the next: the two alternate (by default off, on, on, off) after
    // the composed part, throughput only, and the means are compared.
    const runs = { on: [] as Figures[], off: [] as Figures[] };
    for (const [index, side] of METRICS_ORDER.entries()) {
      const restore = side === 'off' ? metricsOff() : () => undefined;
      try {
        const variant = `metrics-${side}-${index}`;
        const pipeline = await composed(variant, [tenant(variant)], sink);
        const figures = await measurePipeline(`flowline composed, metrics ${side}`, pipeline, sink, fullRate, {
          latency: false,
        });
        await pipeline.close();
        runs[side].push(figures);
        line(figures, floor);
      } finally {
        restore();
      }
    }
    const mean = (figures: Figures[], of: (one: Figures) => number) =>
      figures.reduce((sum, one) => sum + of(one), 0) / figures.length;
    console.log(
      `${''.padEnd(36)}metrics on ÷ off, means of the two runs each: events/s ` +
        `${fixed(mean(runs.on, (one) => one.rate) / mean(runs.off, (one) => one.rate), 2)} (goal >= 0.97), ` +
        `CPU-µs/event ${fixed(mean(runs.on, (one) => one.cpuUs) / mean(runs.off, (one) => one.cpuUs), 2)}`,
    );
  }
  if (PARTS.has('many')) {
    const tenants = Array.from({ length: MANY_TENANTS }, (_, index) => tenant(`many-${index}`));
    const pipeline = await composed('many', tenants, sink);
    const figures = await measurePipeline(
      `flowline composed, ${fixed(MANY_TENANTS * FLOWS_PER_TENANT)} flows`,
      pipeline,
      sink,
      fullRate,
    );
    await pipeline.close();
    line(
      figures,
      floor,
      composedFigures && { name: '÷ composed with 10 flows', figures: composedFigures, goal: 'CPU-µs/event <= 1.2' },
    );
  }
  const [after1] = loadavg();
  console.log(`load average at the end: ${fixed(after1!, 2)}; steal during the run: ${stealSince(machineAtStart)}`);
  await forgetDatabaseRun(base.DATABASE_URL, `bench-${run}-%`);
  await forgetKafkaRun(brokers, `bench-${run}`);
  sink.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
