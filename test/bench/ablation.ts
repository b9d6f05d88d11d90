import {
  createDataSource,
  DataSource,
  InsightsRepository,
  PostgresDeliveryStore,
  ProcessedEventsRepository,
  eventKey,
} from '@flowline/db';

/**
 * What one part of Flowline's work costs end to end, measured by removing it (the pipeline
 * benchmark's `ablate` part, docs/BENCHMARKS.md "Session 16"). A pipeline with a write removed
 * keeps no guarantee that write gives (dedupe, insights, the attempt log): these pipelines exist
 * to be measured, in the benchmark's own process, and nothing here is reachable from a service.
 *
 * A pipeline is named by `+`-joined items:
 * - `base`: nothing removed;
 * - `claim`: ingest passes every event on without claiming its id in `processed_events`;
 * - `insights`: the evaluator's per-chunk insights statement is not run;
 * - `attempts`: the dispatcher's attempt log (attempt rows and `deliveries` rows) is not written,
 *   except for chunks that park deliveries or abandon one, which take their usual path;
 * - `idx:a/b`: indexes `a` and `b` are dropped for the pipeline and created again after it;
 * - `no-<service>`: that service is not started (`no-sequence-detector`).
 */
export interface Ablation {
  name: string;
  /** Services left out of the composed pipeline. */
  without: string[];
  /** Applies the removals; resolves to a function that puts everything back. */
  apply(databaseUrl: string): Promise<() => Promise<void>>;
}

const WRITES = {
  claim: () =>
    patch(
      ProcessedEventsRepository.prototype,
      'claimWhile',
      () =>
        function claimNothing(
          this: unknown,
          events: Parameters<ProcessedEventsRepository['claimWhile']>[0],
          _at,
          passOn,
        ) {
          return passOn(new Set(events.map(eventKey)));
        },
    ),
  insights: () => patch(InsightsRepository.prototype, 'record', () => () => Promise.resolve()),
  attempts: () =>
    patch(
      PostgresDeliveryStore.prototype,
      'record',
      (original) =>
        async function recordOnlyParked(this: PostgresDeliveryStore, attempts, parked = []) {
          if (parked.length > 0 || attempts.some((attempt) => attempt.status === 'abandoned')) {
            return original.call(this, attempts, parked);
          }
        },
    ),
} as const;

export function parseAblations(spec: string): Ablation[] {
  return spec.split(',').map((name) => {
    const items = name.split('+');
    const without: string[] = [];
    const writes: Array<keyof typeof WRITES> = [];
    const indexes: string[] = [];
    for (const item of items) {
      if (item === 'base') continue;
      if (item.startsWith('no-')) without.push(item.slice(3));
      else if (item.startsWith('idx:')) indexes.push(...item.slice(4).split('/'));
      else if (item in WRITES) writes.push(item as keyof typeof WRITES);
      else
        throw new Error(
          `BENCH_ABLATE: unknown item '${item}' (base, claim, insights, attempts, idx:a/b, no-<service>)`,
        );
    }
    return {
      name,
      without,
      apply: async (databaseUrl) => {
        const restoreWrites = writes.map((write) => WRITES[write]());
        const restoreIndexes = await dropIndexes(databaseUrl, indexes);
        return async () => {
          for (const restore of restoreWrites) restore();
          await restoreIndexes();
        };
      },
    };
  });
}

function patch<T extends object, K extends keyof T>(
  target: T,
  key: K,
  replacement: (original: T[K]) => T[K],
): () => void {
  const original = target[key];
  target[key] = replacement(original);
  return () => {
    target[key] = original;
  };
}

async function dropIndexes(databaseUrl: string, names: string[]): Promise<() => Promise<void>> {
  if (names.length === 0) return () => Promise.resolve();
  const dataSource = createDataSource(databaseUrl, { poolSize: 1 });
  await dataSource.initialize();
  const definitions: string[] = [];
  try {
    for (const name of names) {
      const [row] = await dataSource.query<Array<{ indexdef: string }>>(
        'SELECT indexdef FROM pg_indexes WHERE indexname = $1',
        [name],
      );
      if (!row) throw new Error(`BENCH_ABLATE: no index '${name}'`);
      definitions.push(row.indexdef);
      await dataSource.query(`DROP INDEX "${name}"`);
    }
  } catch (error) {
    await recreate(dataSource, definitions);
    await dataSource.destroy();
    throw error;
  }
  await dataSource.destroy();
  return async () => {
    const again = createDataSource(databaseUrl, { poolSize: 1 });
    await again.initialize();
    try {
      await recreate(again, definitions);
    } finally {
      await again.destroy();
    }
  };
}

async function recreate(dataSource: DataSource, definitions: string[]): Promise<void> {
  for (const definition of definitions) await dataSource.query(definition);
}
