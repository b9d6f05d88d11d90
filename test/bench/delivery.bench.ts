/**
 * The dispatcher alone: webhooks/s to a local sink, and a healthy endpoint's throughput while
 * another endpoint fails every request.
 *
 *   npm run bench:delivery -- [deliveries] [deliveries-b]    (figures: docs/BENCHMARKS.md)
 *
 * Ready delivery records (`DeliveryV1`, as the mapper writes them) for 1,000 subjects are
 * produced to the deliveries topic of a fresh topic prefix before the dispatcher starts; it then
 * runs in this process, alone. The HTTP sink runs in a child process (http-sink.ts), and every
 * rate is measured there: from the first accepted request to the last.
 *
 * (a) Delivered webhooks/s, against a baseline of raw undici POSTs of the same bodies to the same
 *     sink from this process, 64 at a time (the seeded connection's max_in_flight), measured just
 *     before and just after the dispatcher's run (the mean is the baseline).
 * (b) Two connections, half of the deliveries to each. With both healthy, then with one
 *     answering 503 to everything (3 retries after 1, 2 and 4 s, so retries and held lanes add
 *     load during the run), then with both healthy again: the healthy connection's deliveries/s
 *     in the failing run over its mean in the two healthy runs around it. This machine's speed
 *     drifts by minutes (docs/BENCHMARKS.md, "The machine's own speed"), so a ratio to one
 *     healthy run before measured the drift as much as the neighbour.
 * (c) The same with the other connection's receiver slow (answering after 200 ms, so at most
 *     320 requests/s with 64 in flight): its deliveries wait for it in the same chunks as the
 *     healthy connection's. The healthy connection's deliveries/s over (b)'s healthy run.
 *
 * After each run: how many deliveries were deferred or held behind a lane (the dispatcher's
 * metrics) and PostgreSQL's transactions and rows written per delivery (its statistics).
 *
 * `BENCH_BACKLOG=N` parks N held deliveries of another installation before (b) and (c): what a
 * failing tenant's backlog costs the others (see `BACKLOG`).
 */
// First, before kafkajs loads: its produce path is patched as Flowline's processes run it (decision 0040).
import '@flowline/kafka';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '@flowline/config';
import { DeliveryV1, FLOWLINE_VERSION, messageKey, Topic, TopicNames } from '@flowline/contracts';
import { createDataSource, runMigrations } from '@flowline/db';
import { ensureTopics } from '@flowline/kafka';
import { launch } from '@flowline/runtime';
import { KafkaTestClient, seedIntegration } from '@flowline/testing';
import { DispatcherModule } from '../../services/dispatcher/src/dispatcher.module';
import { forgetDatabaseRun } from './forget-database-run';
import { forgetKafkaRun } from './forget-kafka-run';
import type { SinkReport } from './http-sink';
import { profileWindow } from './profile-summary';
import { brokerPid, CpuSample, cpuSample, cpuSince, machineTicks, postgresPid, stealSince, totalCpu } from './cpu';

/** Deliveries of (a). */
const DELIVERIES = Number(process.argv[2] ?? 20_000);
/**
 * Deliveries of each run of (b), half to each connection: enough for the healthy connection's
 * run to outlast the failing one's retries (1 + 2 + 4 s), so they all add load while it runs.
 */
const DELIVERIES_B = Number(process.argv[3] ?? 80_000);
const SUBJECTS = 1_000;
const PARTITIONS = 12;
/** The raw baseline's concurrency: the seeded connection's max_in_flight. */
const RAW_CONCURRENCY = 64;

/**
 * How long the slow receiver of (c) takes to answer: with the connection's 64 in flight it takes
 * at most 320 requests/s, far fewer than the dispatcher sends, so its deliveries queue for it.
 */
const SLOW_ANSWER_MS = 200;

const base = loadConfig();
const brokers = base.KAFKA_BROKERS;
/** Which parts run (comma-separated, default all): a, b, c. (b) and (c) run the healthy run too. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'a,b,c').split(','));
const run = randomBytes(3).toString('hex');

/**
 * Held deliveries of another installation (another topic prefix) parked in the database before
 * (b) and (c), 80 behind each retrying head (`BENCH_BACKLOG`, default none): a tenant whose
 * receiver has failed for hours. Nothing here attempts or releases them; (b) then measures what
 * such a backlog costs the healthy connection (decision 0042).
 */
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 0);
const BACKLOG_PER_LANE = 81;

/** Longest wait for the sink to see what a run sends: a stuck run fails instead of hanging. */
const RUN_TIMEOUT_MS = 300_000;

/** The HTTP sink runs in a child process (see http-sink.ts), so its work is not the dispatcher's. */
async function startSink() {
  const child = fork(join(__dirname, 'http-sink.js'), {
    env: { ...process.env, SINK_SLOW_ANSWER_MS: String(SLOW_ANSWER_MS) },
  });
  const { port, secondPort } = await new Promise<{ port: number; secondPort: number }>((resolve) =>
    child.once('message', resolve),
  );
  return {
    /** Two origins of the same sink: two connections do not share a client connection pool. */
    urls: [`http://127.0.0.1:${port}`, `http://127.0.0.1:${secondPort}`] as const,
    /** Resolves once `count` requests to `path` were accepted, with what the sink saw. */
    waitFor: (path: string, count: number) =>
      new Promise<SinkReport>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the sink did not get ${count} accepted requests to ${path} in time`)),
          RUN_TIMEOUT_MS,
        );
        child.once('message', (report: SinkReport) => {
          clearTimeout(timer);
          resolve(report);
        });
        child.send({ wait: count, path });
      }),
    /** Its CPU is counted beside this process's, the broker's and PostgreSQL's. */
    pid: child.pid!,
    stop: () => child.disconnect(),
  };
}

type Sink = Awaited<ReturnType<typeof startSink>>;

/** Accepted requests per second to `path`, first to last. */
function rateOf(report: SinkReport, path: string): number {
  const stats = report.paths[path]!;
  return stats.accepted / Math.max(0.001, (stats.lastAcceptedAt - stats.firstAcceptedAt) / 1000);
}

/** A mapped delivery as the mapper writes it: one subject, one connection, a small JSON body. */
function delivery(tenant: string, connectionId: string, index: number): DeliveryV1 {
  const subject = `lead-${index % SUBJECTS}`;
  return {
    v: 1,
    id: `msg_${tenant}_${index}`,
    tenant,
    subject,
    connectionId,
    eventId: `evt-${index}`,
    eventType: 'registration.created',
    body: {
      contact: { firstName: 'Ada', lastName: 'Lovelace', email: `${subject}@example.com` },
      status: 'Registered',
      sequence: index,
      lead: subject,
    },
    headers: {},
    ingestedAt: Date.now(),
  };
}

/** A fresh topic prefix with its topics, and a tenant with one connection per URL. */
async function prepare(
  name: string,
  urls: string[],
  policy: Record<string, unknown> = {},
): Promise<{ prefix: string; tenant: string; connections: string[] }> {
  const prefix = `bench-${run}-${name}.`;
  const tenant = `bench-${run}-${name}`;
  const kafka = new Kafka({ clientId: 'bench-delivery', brokers, logLevel: logLevel.NOTHING });
  await ensureTopics(kafka, new TopicNames(prefix).specs(), { partitions: PARTITIONS });
  const dataSource = createDataSource(base.DATABASE_URL, { poolSize: 1 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  const connections: string[] = [];
  for (const url of urls) {
    const seeded = await seedIntegration(dataSource, {
      tenantId: tenant,
      receiverUrl: url,
      eventTypes: ['registration.created'],
      fields: [],
      policy,
    });
    connections.push(seeded.connectionId);
  }
  await dataSource.destroy();
  return { prefix, tenant, connections };
}

async function produceDeliveries(prefix: string, deliveries: DeliveryV1[]): Promise<void> {
  const client = new KafkaTestClient(brokers);
  const topic = new TopicNames(prefix).of(Topic.Deliveries);
  for (let start = 0; start < deliveries.length; start += 1000) {
    await client.produceJson(
      topic,
      deliveries.slice(start, start + 1000).map((value) => ({ key: messageKey(value.tenant, value.subject), value })),
    );
  }
  await client.close();
}

/** PostgreSQL's own counters for this database: transactions committed, rows written. */
async function databaseWork(): Promise<{ commits: number; inserted: number; updated: number }> {
  const dataSource = createDataSource(base.DATABASE_URL, { poolSize: 1 });
  await dataSource.initialize();
  const [row] = await dataSource.query<Array<{ commits: string; inserted: string; updated: string }>>(
    `SELECT xact_commit::int8::text AS commits, tup_inserted::int8::text AS inserted, tup_updated::int8::text AS updated
       FROM pg_stat_database WHERE datname = current_database()`,
  );
  await dataSource.destroy();
  return { commits: Number(row!.commits), inserted: Number(row!.inserted), updated: Number(row!.updated) };
}

/** How a run's deliveries went: held or deferred (from the dispatcher's metrics), and PostgreSQL's work. */
function describeRun(
  name: string,
  count: number,
  held: Array<{ labels: object; value: number }>,
  before: Awaited<ReturnType<typeof databaseWork>>,
  after: Awaited<ReturnType<typeof databaseWork>>,
): void {
  const heldBy = (reason: string) =>
    held.find((sample) => (sample.labels as { reason?: string }).reason === reason)?.value ?? 0;
  const per = (n: number) => (n / count).toFixed(2);
  console.log(
    `    ${name}: deferred ${heldBy('deferred')}, held behind a lane ${heldBy('lane')}; PostgreSQL per delivery:` +
      ` ${per(after.commits - before.commits)} transactions, ${per(after.inserted - before.inserted)} rows inserted,` +
      ` ${per(after.updated - before.updated)} rows updated`,
  );
}

/** Starts the dispatcher alone on `prefix` and resolves once `count` requests to `path` were accepted. */
async function dispatch(
  prefix: string,
  sink: Sink,
  path: string,
  count: number,
  produced = count,
): Promise<SinkReport> {
  const accepted = sink.waitFor(path, count);
  const work = await databaseWork();
  const dispatcher = await launch({
    names: ['dispatcher'],
    modules: [DispatcherModule],
    env: {
      KAFKA_BROKERS: brokers.join(','),
      DATABASE_URL: base.DATABASE_URL,
      FLOWLINE_TOPIC_PREFIX: prefix,
      FLOWLINE_PARTITIONS: String(PARTITIONS),
      LOG_LEVEL: 'error',
      PORT: '0',
      FLOWLINE_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8,::1',
    },
    handleSignals: false,
  });
  const report = await accepted;
  const held = (await dispatcher.metrics.deliveriesHeld.get()).values;
  await dispatcher.close();
  // A backend reports its counters at most once a second, and its last ones as it exits: moments
  // after its connection closed.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  describeRun(path, produced, held, work, await databaseWork());
  return report;
}

/** The same bodies POSTed straight to the sink, `RAW_CONCURRENCY` at a time, over one undici agent. */
async function rawPosts(url: string, deliveries: DeliveryV1[]): Promise<void> {
  const agent = new Agent({ connections: RAW_CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < deliveries.length; index = next++) {
      const item = deliveries[index]!;
      const response = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': `Flowline/${FLOWLINE_VERSION}`,
          'webhook-id': item.id,
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        },
        body: JSON.stringify(item.body),
      });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`raw POST answered ${response.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: RAW_CONCURRENCY }, worker));
  await agent.close();
}

async function main(): Promise<void> {
  const machineAtStart = machineTicks();
  console.log(
    `deliveries: ${DELIVERIES} in (a), ${DELIVERIES_B} in each run of (b); subjects: ${SUBJECTS}, partitions: ${PARTITIONS}, broker: ${brokers.join(',')}`,
  );
  // What a killed run left (its topics, groups and rows) goes first: a broker holding hundreds of
  // stale partitions does more work for every run after. Benchmarks never share a broker.
  await forgetKafkaRun(brokers, 'bench-');
  await forgetDatabaseRun(base.DATABASE_URL, 'bench-%');
  const sink = await startSink();

  // (a) The dispatcher alone against raw POSTs of the same bodies, before and after it (the
  // machine's load drifts; their mean is the baseline), after warming up the client and the sink.
  if (PARTS.has('a')) await benchA(sink);
  if (PARTS.has('b') || PARTS.has('c')) {
    if (BACKLOG > 0) await seedBacklog(BACKLOG);
    await benchBC(sink);
  }
  await forgetKafkaRun(brokers, `bench-${run}`);
  await forgetDatabaseRun(base.DATABASE_URL, `bench-${run}-%`);
  console.log(`steal during the run: ${stealSince(machineAtStart)}`);
  sink.stop();
}

/** `BACKLOG`'s deliveries, as a failing receiver leaves them: a retrying head per lane, due in a day, the rest held behind it. */
async function seedBacklog(count: number): Promise<void> {
  const started = performance.now();
  const lanes = Math.ceil(count / BACKLOG_PER_LANE);
  const tenant = `bench-${run}-backlog`;
  const dataSource = createDataSource(base.DATABASE_URL, { poolSize: 1 });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
    // Numbered in lane order (`nextval` runs after the sort), so each head has its lane's first
    // place, as the dispatcher gives a retrying delivery before parking anything behind it.
    await dataSource.query(
      `INSERT INTO deliveries (id, tenant_id, subject, event_id, event_type, status, lane, lane_seq, message, origin,
                               retry_count, next_attempt_at, queued_at)
       SELECT $1 || '-' || lane || '-' || place, $1, 'subject-' || lane, 'event', 'backlog',
              CASE WHEN place = 0 THEN 'retrying' ELSE 'held' END,
              json_build_array($1, 'failing-receiver', 'subject-' || lane)::text, nextval('deliveries_lane_seq'),
              '\\x7b7d'::bytea, $1 || '.flowline.deliveries/0/1', CASE WHEN place = 0 THEN 1 ELSE 0 END,
              CASE WHEN place = 0 THEN now() + interval '1 day' END, now()
         FROM generate_series(1, $2::integer) AS lane, generate_series(0, $3::integer - 1) AS place
        WHERE (lane - 1) * $3::integer + place < $4::integer
        ORDER BY lane, place`,
      [tenant, lanes, BACKLOG_PER_LANE, count],
    );
    await dataSource.query('VACUUM (ANALYZE) deliveries');
  } finally {
    await dataSource.destroy();
  }
  console.log(
    `backlog: ${count} held deliveries of another installation in ${lanes} lanes, seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function benchA(sink: Sink): Promise<void> {
  const single = await prepare('single', [`${sink.urls[0]}/single`]);
  const deliveries = Array.from({ length: DELIVERIES }, (_, index) =>
    delivery(single.tenant, single.connections[0]!, index),
  );
  const raw = async (path: string, items: DeliveryV1[]): Promise<number> => {
    const accepted = sink.waitFor(path, items.length);
    await rawPosts(`${sink.urls[0]}${path}`, items);
    return rateOf(await accepted, path);
  };
  for (let pass = 0; pass < 3; pass += 1) await raw(`/warm-up-${pass}`, deliveries);
  const rawBefore = await withCpu(sink, () => raw('/raw-before', deliveries));
  await produceDeliveries(single.prefix, deliveries);
  const dispatched = await withCpu(sink, () =>
    profileWindow('dispatcher (a)', () => dispatch(single.prefix, sink, '/single', DELIVERIES)),
  );
  const rawAfter = await withCpu(sink, () => profileWindow('raw after (a)', () => raw('/raw-after', deliveries)));
  await forgetDatabaseRun(base.DATABASE_URL, single.tenant);
  const dispatchedRate = rateOf(dispatched.result, '/single');
  const rawRate = (rawBefore.result + rawAfter.result) / 2;
  const rawCpu = (totalCpu(rawBefore.cpu) + totalCpu(rawAfter.cpu)) / 2 / DELIVERIES;
  console.log(
    `(a) raw undici POSTs, ${RAW_CONCURRENCY} concurrent:   ${rawRate.toFixed(0)} requests/s (before ${rawBefore.result.toFixed(0)}, after ${rawAfter.result.toFixed(0)})` +
      `  CPU ${rawCpu.toFixed(0)} µs/request ${cpuParts(rawBefore.cpu)}`,
  );
  console.log(
    `(a) dispatcher, delivered webhooks:      ${dispatchedRate.toFixed(0)} webhooks/s` +
      `  CPU ${(totalCpu(dispatched.cpu) / DELIVERIES).toFixed(0)} µs/delivery ${cpuParts(dispatched.cpu)}`,
  );
  console.log(
    `(a) ratio dispatcher / raw:              ${(dispatchedRate / rawRate).toFixed(2)} (goal >= 0.6)` +
      `  CPU-µs ${(totalCpu(dispatched.cpu) / DELIVERIES / rawCpu).toFixed(2)}`,
  );
}

/**
 * What `work` cost in CPU on this machine: this process (the raw client or the dispatcher, with
 * its start), the sink, and the broker and PostgreSQL when bench.sh named them.
 */
async function withCpu<T>(sink: Sink, work: () => Promise<T>): Promise<{ result: T; cpu: CpuSample }> {
  const start = cpuSample([sink.pid]);
  const result = await work();
  return { result, cpu: cpuSince(start, [sink.pid]) };
}

/** `[this process + sink + broker + postgres]`, µs per delivery of (a). */
function cpuParts(cpu: CpuSample): string {
  const per = (us: number) => (us / DELIVERIES).toFixed(0);
  return (
    `[bench ${per(cpu.bench)} + sink ${per(cpu.children)}` +
    `${brokerPid ? ` + broker ${per(cpu.broker)}` : ''}${postgresPid ? ` + postgres ${per(cpu.postgres)}` : ''}]`
  );
}

/** (b) and (c): the healthy run, then the failing one (b), then the slow one (c), as PARTS says. */
async function benchBC(sink: Sink): Promise<void> {
  // (b) A healthy connection, with its neighbour healthy, then with its neighbour failing.
  const policy = { max_retries: 3, retry_schedule_s: [1, 2, 4] };
  const half = Math.floor(DELIVERIES_B / 2);
  const healthyRates: number[] = [];
  const labels = {
    healthy: 'both healthy:     ',
    failing: 'one failing 100 %:',
    again: 'both healthy again:',
    slow: `one slow (${SLOW_ANSWER_MS} ms): `,
  };
  for (const [name, paths] of [
    ['healthy', ['/both-healthy/a', '/both-healthy/b']],
    ['failing', ['/one-failing/a', '/fail/b']],
    ['again', ['/both-healthy-again/a', '/both-healthy-again/b']],
    ['slow', ['/beside-slow/a', '/slow/b']],
  ] as const) {
    if ((name !== 'healthy' && name !== 'slow' && !PARTS.has('b')) || (name === 'slow' && !PARTS.has('c'))) {
      healthyRates.push(NaN);
      continue;
    }
    const setup = await prepare(name, [`${sink.urls[0]}${paths[0]}`, `${sink.urls[1]}${paths[1]}`], policy);
    // The connections take turns every SUBJECTS records: each subject has deliveries to both, interleaved.
    const records = Array.from({ length: half * 2 }, (_, index) =>
      delivery(setup.tenant, setup.connections[Math.floor(index / SUBJECTS) % 2]!, index),
    );
    await produceDeliveries(setup.prefix, records);
    const startedAt = performance.now();
    const { result: report, cpu } = await withCpu(sink, () =>
      dispatch(setup.prefix, sink, paths[0], half, records.length),
    );
    const wallUs = (performance.now() - startedAt) * 1000;
    // Each run starts from the same tables: this run's rows go, and are vacuumed, before the next.
    await forgetDatabaseRun(base.DATABASE_URL, setup.tenant);
    const rate = rateOf(report, paths[0]);
    healthyRates.push(rate);
    const own = report.paths[paths[0]]!;
    const other = report.paths[paths[1]];
    const seconds = (own.lastAcceptedAt - own.firstAcceptedAt) / 1000;
    console.log(
      `(${name === 'slow' ? 'c' : 'b'}) ${labels[name]} healthy connection ${rate.toFixed(0)} deliveries/s` +
        ` over ${seconds.toFixed(1)} s (other connection meanwhile: ${other?.requests ?? 0} requests, ${other?.accepted ?? 0} accepted)`,
    );
    // Whether the run was bound by the two cores or waited: cores busy on average, by process.
    const busy = (us: number) => (us / wallUs).toFixed(2);
    console.log(
      `    cores busy over the run (dispatcher's start to its close): ${busy(totalCpu(cpu))}` +
        ` [bench ${busy(cpu.bench)} + sink ${busy(cpu.children)} + broker ${busy(cpu.broker)} + postgres ${busy(cpu.postgres)}]`,
    );
  }
  const [healthy, failing, again, slow] = healthyRates as [number, number, number, number];
  if (PARTS.has('b'))
    console.log(
      `(b) ratio failing run / healthy runs:    ${(failing / ((healthy + again) / 2)).toFixed(2)} (goal >= 0.9;` +
        ` to the first alone ${(failing / healthy).toFixed(2)})`,
    );
  if (PARTS.has('c'))
    console.log(
      `(c) ratio slow run / healthy run${PARTS.has('b') ? 's' : ''}:        ${(slow / (PARTS.has('b') ? (healthy + again) / 2 : healthy)).toFixed(2)}`,
    );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
