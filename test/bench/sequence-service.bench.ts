/**
 * Events/s through the sequence-detector service (consume, load state, match, write state and
 * completions to PostgreSQL, produce actions, commit), 10,000 leads, 5 sequences per tenant.
 *
 *   npm run build && swc test/bench -d dist --config-file .swcrc --quiet \
 *     && node dist/test/bench/sequence-service.bench.js [events]
 *
 * Events are produced straight to the events topic (as ingest would write them), so the figure
 * is the detector's alone; the clock runs from the first produce until the detector's group has
 * committed every record.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '@flowline/config';
import { messageKey, Topic, TopicNames } from '@flowline/contracts';
import { createDataSource, runMigrations, SequenceEntity, TenantEntity } from '@flowline/db';
import { launch } from '@flowline/runtime';
import { KafkaTestClient } from '@flowline/testing';
import { SequenceDetectorModule } from '../../services/sequence-detector/src/sequence-detector.module';

const EVENTS = Number(process.argv[2] ?? 100_000);
const LEADS = 10_000;
const TYPES = ['pricing_page_view', 'whitepaper_download', 'demo_request', 'webinar_join', 'trial_start', 'email_open'];
const SEQUENCES = [
  { eventTypes: TYPES.slice(0, 3), windowSeconds: 7 * 86400, ordered: true },
  { eventTypes: TYPES.slice(1, 4), windowSeconds: 86400, ordered: false },
  { eventTypes: [TYPES[0]!, TYPES[3]!, TYPES[4]!], windowSeconds: 3 * 86400, ordered: true },
  { eventTypes: [TYPES[5]!, TYPES[0]!, TYPES[2]!, TYPES[4]!], windowSeconds: 30 * 86400, ordered: false },
  { eventTypes: [TYPES[2]!, TYPES[4]!], windowSeconds: 3600, ordered: true },
];

async function main(): Promise<void> {
  const base = loadConfig();
  const run = randomBytes(3).toString('hex');
  const prefix = `bench-${run}.`;
  const tenant = `bench-${run}`;
  const topics = new TopicNames(prefix);
  const dataSource = createDataSource(base.DATABASE_URL, { poolSize: 2 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  await dataSource.getRepository(TenantEntity).insert({ id: tenant, name: tenant, apiKeyHash: null });
  await dataSource.getRepository(SequenceEntity).insert(
    SEQUENCES.map((sequence, index) => ({
      tenantId: tenant,
      name: `sequence ${index}`,
      ...sequence,
      active: true,
      emails: [],
    })),
  );

  const detector = await launch({
    names: ['sequence-detector'],
    modules: [SequenceDetectorModule],
    env: {
      KAFKA_BROKERS: base.KAFKA_BROKERS.join(','),
      DATABASE_URL: base.DATABASE_URL,
      FLOWLINE_TOPIC_PREFIX: prefix,
      FLOWLINE_PARTITIONS: '12',
      LOG_LEVEL: 'error',
      PORT: '0',
    },
    handleSignals: false,
  });

  const start = Date.UTC(2025, 0, 1);
  const events = Array.from({ length: EVENTS }, (_, index) => {
    const lead = `lead-${Math.floor(Math.random() * LEADS)}`;
    return {
      key: messageKey(tenant, lead),
      value: {
        id: `e-${index}`,
        tenant,
        type: TYPES[Math.floor(Math.random() * TYPES.length)]!,
        subject: lead,
        time: new Date(start + index * 30_000).toISOString(),
        test: false,
        data: {},
        ingestedAt: Date.now(),
      },
    };
  });
  const client = new KafkaTestClient(base.KAFKA_BROKERS);
  const began = performance.now();
  for (let offset = 0; offset < events.length; offset += 2000) {
    await client.produceJson(topics.of(Topic.Events), events.slice(offset, offset + 2000));
  }
  const kafka = new Kafka({ brokers: base.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  for (;;) {
    const ends = await admin.fetchTopicOffsets(topics.of(Topic.Events));
    const [done] = await admin.fetchOffsets({
      groupId: topics.group('sequence-detector'),
      topics: [topics.of(Topic.Events)],
    });
    const behind = ends.reduce((sum, end) => {
      const committed = Number(
        done?.partitions.find((partition) => partition.partition === end.partition)?.offset ?? 0,
      );
      return sum + Number(end.high) - Math.max(0, committed);
    }, 0);
    if (behind === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - began) / 1000;
  await admin.disconnect();

  const [stats] = await dataSource.query<Array<{ open: number; fired: number; avg_bytes: number; p99_bytes: number }>>(
    `SELECT count(*) FILTER (WHERE NOT (state ? 'firedAt'))::int AS open,
            count(*) FILTER (WHERE state ? 'firedAt')::int AS fired,
            coalesce(avg(octet_length(state::text)) FILTER (WHERE NOT (state ? 'firedAt')), 0)::int AS avg_bytes,
            coalesce(percentile_disc(0.99) WITHIN GROUP (ORDER BY octet_length(state::text)), 0)::int AS p99_bytes
       FROM sequence_state WHERE tenant_id = $1`,
    [tenant],
  );
  const [completed] = await dataSource.query<Array<{ count: number }>>(
    'SELECT count(*)::int AS count FROM sequence_events WHERE tenant_id = $1',
    [tenant],
  );
  console.log(`events: ${EVENTS}, leads: ${LEADS}, sequences: ${SEQUENCES.length}, partitions: 12`);
  console.log(`sequence-detector service: ${(EVENTS / seconds).toFixed(0)} events/s (${seconds.toFixed(1)} s)`);
  console.log(
    `completed sequences: ${completed!.count}; open partial matches: ${stats!.open}; fired latches: ${stats!.fired}`,
  );
  console.log(`state per open partial match: avg ${stats!.avg_bytes} B, p99 ${stats!.p99_bytes} B (JSON text)`);
  await client.close();
  await detector.close();
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
