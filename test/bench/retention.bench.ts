/**
 * Retention on a big delivery log while the API answers (docs/CONTRACT.md §15, decision 0021).
 *
 *   bash deploy/local/bench.sh retention [deliveries]     (figures: docs/BENCHMARKS.md)
 *
 * Seeds `deliveries` rows (default 1,000,000) over 10 tenants, created over the last 60 days
 * (so about half are past the 30-day horizon), each with one attempt holding a response
 * excerpt; 1 % waiting for a retry and 1 % held, which retention must keep. Then, with the api
 * running in this process (as its housekeeping does in production: same process, same pool):
 *
 * 1. baseline: GET /deliveries from 4 concurrent clients for 10 s, nothing else running;
 * 2. the same load while one retention pass runs (batches of FLOWLINE_RETENTION_BATCH_SIZE, the
 *    housekeeping's pause between batches), until the pass ends.
 *
 * Prints the latencies (p50 / p99 / max) of both phases, what the pass removed, how long it took,
 * and checks that every waiting and held delivery is still there.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { loadConfig } from '@flowline/config';
import { createDataSource, runMigrations, runRetentionPass } from '@flowline/db';
import { launch } from '@flowline/runtime';
import { SERVICE_MODULES } from '../../services/cluster/src/service-modules';

const DELIVERIES = Number(process.argv[2] ?? 1_000_000);
const TENANTS = 10;
const CLIENTS = 4;
const BASELINE_MS = 10_000;
/** The pause the api's housekeeping leaves between batches (retention-housekeeping.ts). */
const PAUSE_BETWEEN_BATCHES_MS = 50;

const run = randomBytes(3).toString('hex');
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(tagged: Array<[string, number]>): string {
  const byPath = new Map<string, number[]>();
  for (const [path, ms] of tagged) byPath.set(path, [...(byPath.get(path) ?? []), ms]);
  const lines = [...byPath].map(([path, latencies]) => `    ${path.padEnd(36)} ${figures(latencies)}`);
  return `${figures(tagged.map(([, ms]) => ms))}\n${lines.join('\n')}`;
}

function figures(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (ms: number) => ms.toFixed(1);
  return `${sorted.length} requests, p50 ${f(percentile(sorted, 50))} ms, p99 ${f(percentile(sorted, 99))} ms, max ${f(sorted.at(-1) ?? NaN)} ms`;
}

/** GET /deliveries as a console would: the newest page, by status, and a page of an old period. */
function feedPaths(): string[] {
  const old = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  return [
    '/deliveries',
    '/deliveries?status=failed',
    `/deliveries?from=${old(40)}&to=${old(39)}`,
    '/deliveries?limit=1000',
  ];
}

/** `CLIENTS` loops of GET /deliveries until `until()` says stop; answers every latency in ms. */
async function load(baseUrl: string, key: string, until: () => boolean): Promise<Array<[string, number]>> {
  const latencies: Array<[string, number]> = [];
  const paths = feedPaths();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = client; !until(); i += 1) {
        const started = performance.now();
        const response = await request(`${baseUrl}${paths[i % paths.length]}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        await response.body.text();
        if (response.statusCode !== 200) throw new Error(`GET /deliveries answered ${response.statusCode}`);
        latencies.push([
          paths[i % paths.length]!.replace(/from=[^&]+&to=[^&]+/, 'from=-40d&to=-39d'),
          performance.now() - started,
        ]);
      }
    }),
  );
  return latencies;
}

async function main(): Promise<void> {
  const base = loadConfig();
  const dataSource = createDataSource(base.DATABASE_URL, { poolSize: 4 });
  await dataSource.initialize();
  await runMigrations(dataSource);

  const cluster = await launch({
    names: ['api'],
    modules: [SERVICE_MODULES.api],
    env: {
      ...process.env,
      FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
      FLOWLINE_TOPIC_PREFIX: `bench-${run}.`,
      // The benchmark runs the pass itself, to time it; the api's own housekeeping stays off.
      FLOWLINE_RETENTION_INTERVAL_S: '0',
      LOG_LEVEL: 'warn',
      PORT: '0',
    },
    handleSignals: false,
  });
  const tenants: Array<{ id: string; key: string }> = [];
  for (let t = 0; t < TENANTS; t += 1) {
    const id = `bench-retention-${run}-${t}`;
    const response = await request(`${cluster.url}/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: id }),
    });
    const body = (await response.body.json()) as { api_key: string };
    tenants.push({ id, key: body.api_key });
  }

  console.log(`seeding ${DELIVERIES.toLocaleString('en')} deliveries with one attempt each over ${TENANTS} tenants…`);
  const seedStarted = performance.now();
  const chunk = 100_000;
  for (let from = 1; from <= DELIVERIES; from += chunk) {
    const to = Math.min(DELIVERIES, from + chunk - 1);
    await dataSource.query(
      `WITH seeded AS (
         INSERT INTO deliveries (id, tenant_id, subject, connection_id, flow_id, event_id, event_type, status, attempts,
                                 retry_count, last_status_code, message, category, created_at, updated_at, delivered_at,
                                 lane, queued_at)
         SELECT $1 || '-' || g, ($2::text[])[1 + (g / 7) % $3], 'subject-' || (g % 50000), $4::uuid, $5::uuid, 'evt-' || g,
                'registration.created', s.status, 1, CASE WHEN s.status = 'succeeded' THEN 0 ELSE 1 END,
                CASE WHEN s.status = 'succeeded' THEN 200 ELSE 503 END,
                CASE WHEN s.status = 'succeeded' THEN NULL ELSE convert_to(repeat('x', 300), 'UTF8') END,
                CASE WHEN s.status = 'succeeded' THEN NULL ELSE 'general' END,
                t.at, t.at, CASE WHEN s.status = 'succeeded' THEN t.at END,
                CASE WHEN s.status IN ('retrying', 'held') THEN 'lane-' || g END,
                CASE WHEN s.status <> 'succeeded' THEN t.at END
           FROM generate_series($6::int, $7::int) AS g,
                LATERAL (SELECT now() - make_interval(secs => (g * 5183.0) % (60 * 86400)) AS at) AS t,
                LATERAL (SELECT CASE WHEN g % 100 = 0 THEN 'retrying' WHEN g % 100 = 1 THEN 'held'
                                     WHEN g % 10 = 2 THEN 'failed' WHEN g % 50 = 3 THEN 'abandoned'
                                     ELSE 'succeeded' END AS status) AS s
         RETURNING id, tenant_id, created_at)
       INSERT INTO delivery_attempts (delivery_id, tenant_id, attempted_at, status_code, latency_ms, response_excerpt)
       SELECT id, tenant_id, created_at, 200, 40, repeat('r', 200) FROM seeded`,
      [`bench-${run}`, tenants.map((tenant) => tenant.id), TENANTS, randomUUID(), randomUUID(), from, to],
    );
  }
  await dataSource.query('ANALYZE deliveries; ANALYZE delivery_attempts');
  console.log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);
  const [counts] = await dataSource.query<Array<{ total: number; past: number; waiting: number }>>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE updated_at < now() - interval '30 days' AND status IN ('succeeded', 'failed', 'abandoned'))::int AS past,
            count(*) FILTER (WHERE status IN ('retrying', 'held'))::int AS waiting
       FROM deliveries WHERE id LIKE $1`,
    [`bench-${run}-%`],
  );
  console.log(
    `delivery rows: ${counts!.total}, settled past the 30-day horizon: ${counts!.past}, waiting or held: ${counts!.waiting}`,
  );

  const { key } = tenants[0]!;
  // Warm-up: connections, plans, caches; not measured.
  const warmUntil = Date.now() + 2_000;
  await load(cluster.url, key, () => Date.now() > warmUntil);

  const baselineUntil = Date.now() + BASELINE_MS;
  const baseline = await load(cluster.url, key, () => Date.now() > baselineUntil);
  console.log(`GET /deliveries, baseline:          ${summary(baseline)}`);

  let done = false;
  const passStarted = performance.now();
  const pass = runRetentionPass(dataSource, cluster.config, {
    now: new Date(),
    pauseMs: PAUSE_BETWEEN_BATCHES_MS,
  }).finally(() => (done = true));
  const during = await load(cluster.url, key, () => done);
  const removed = await pass;
  const passSeconds = (performance.now() - passStarted) / 1000;
  console.log(`GET /deliveries, during retention:  ${summary(during)}`);
  console.log(
    `retention pass: ${passSeconds.toFixed(1)} s, batch ${cluster.config.FLOWLINE_RETENTION_BATCH_SIZE}, removed ${JSON.stringify(removed)}`,
  );
  console.log(`deliveries removed per second: ${((removed?.deliveries ?? 0) / passSeconds).toFixed(0)}`);

  const [after] = await dataSource.query<Array<{ total: number; past: number; waiting: number }>>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE updated_at < now() - interval '30 days' AND status IN ('succeeded', 'failed', 'abandoned'))::int AS past,
            count(*) FILTER (WHERE status IN ('retrying', 'held'))::int AS waiting
       FROM deliveries WHERE id LIKE $1`,
    [`bench-${run}-%`],
  );
  console.log(
    `after: delivery rows ${after!.total}, past the horizon ${after!.past}, waiting or held ${after!.waiting}`,
  );
  if (after!.waiting !== counts!.waiting) throw new Error('retention removed a waiting or held delivery');

  await cluster.close();
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
