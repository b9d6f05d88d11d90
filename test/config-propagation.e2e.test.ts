import { performance } from 'node:perf_hooks';
import { ConfigChange, ConfigSnapshot } from '@flowline/runtime';
import { HttpReceiver, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { eventually } from './support/eventually';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const WRITES = 20;
/**
 * Polling is set to once a minute: a reload that arrives within `reloadOf`'s 5 s, caused by a
 * notification, came from NOTIFY. How fast (the goal is 500 ms, issue 10) is printed, not
 * asserted: a timed assertion fails on a busy machine (one CI run saw 718 ms, usually 70).
 */
const POLL_MS = 60_000;

/**
 * An API write reaches the running pipeline through PostgreSQL NOTIFY, not polling: the api and
 * the pipeline run as two clusters (as two processes would), polling is set to once a minute, and
 * the time from sending each mapping change to the pipeline's catalogs holding it is measured;
 * the next event's delivery then carries it.
 */
describe('configuration propagation: an API write is in force in the running services at once', () => {
  const env = testEnvironment({ FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN, FLOWLINE_CONFIG_REFRESH_MS: String(POLL_MS) });
  const receiver = new HttpReceiver();
  let control: TestCluster;
  let pipeline: TestCluster;
  let snapshot: ConfigSnapshot;
  const changes: Array<{ at: number; change: ConfigChange }> = [];
  const acme = { id: `acme-${uniqueSuffix()}`, mappingId: '', api: undefined as unknown as ApiClient };
  const globex = { id: `globex-${uniqueSuffix()}`, mappingId: '', api: undefined as unknown as ApiClient };

  const fields = (revision: string) => [
    { target: 'lead', source: '$subject' },
    { target: 'revision', value: revision },
  ];

  /** Resolves when the pipeline's snapshot has reloaded `tenant`, with when that was; fails after 5 s. */
  function reloadOf(tenant: string): Promise<{ at: number; change: ConfigChange }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`the pipeline did not reload ${tenant} within 5 s`));
      }, 5000);
      const unsubscribe = snapshot.onChange((change) => {
        if (!change.tenants.has(tenant)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve({ at: performance.now(), change });
      });
    });
  }

  async function send(tenant: typeof acme, subject: string): Promise<{ lead: string; revision: string }> {
    const before = receiver.requests.length;
    const sent = await tenant.api.call('POST', '/events', {
      id: `${subject}-evt`,
      type: 'registration.created',
      subject,
      time: new Date().toISOString(),
      data: {},
    });
    expect(sent.status).toBe(202);
    await receiver.waitForCount(before + 1);
    const bodies = receiver.bodies<{ lead: string; revision: string }>();
    return bodies.find((body) => body.lead === subject)!;
  }

  beforeAll(async () => {
    await receiver.start();
    pipeline = await startCluster(env, ['ingest', 'flow-evaluator', 'mapper', 'dispatcher']);
    control = await startCluster(env, ['api']);
    snapshot = pipeline.app.get(ConfigSnapshot);
    snapshot.onChange((change) => changes.push({ at: performance.now(), change }));
    // Configured after the pipeline started: only notifications can bring this to it.
    for (const tenant of [acme, globex]) {
      tenant.api = await ApiClient.tenant(control.url, ADMIN_TOKEN, tenant.id);
      const connection = await tenant.api.create('/connections', {
        name: 'receiver',
        url: `${receiver.url}/${tenant.id}`,
        rate_limit_per_s: 1000,
      });
      const mapping = await tenant.api.create('/mappings', { name: 'revision', fields: fields('r0') });
      tenant.mappingId = mapping.id;
      const created = reloadOf(tenant.id);
      await tenant.api.create('/flows', {
        name: 'registrations',
        source: { types: ['registration.created'] },
        destination: { connection_id: connection.id, payload_mapping_id: mapping.id },
      });
      await created;
    }
    // The consumers' first fetch after joining their groups is slow; not a configuration matter.
    expect(await send(acme, 'warm-up')).toEqual({ lead: 'warm-up', revision: 'r0' });
  });

  afterAll(async () => {
    await control?.close();
    await pipeline?.close();
    await receiver.stop();
  });

  it(`a mapping changed through the api is in force in the pipeline within ms, and the next event uses it (${WRITES} writes)`, async () => {
    const propagation: number[] = [];
    const from = changes.length;
    for (let write = 1; write <= WRITES; write += 1) {
      const reloaded = reloadOf(acme.id);
      const startedAt = performance.now();
      const changed = await acme.api.call('PUT', `/mappings/${acme.mappingId}`, {
        name: 'revision',
        fields: fields(`r${write}`),
      });
      expect(changed.status).toBe(200);
      // Awaited, not slept for: the moment the pipeline's catalogs hold the change.
      const { at, change } = await reloaded;
      expect(change.cause).toBe('notify');
      propagation.push(at - startedAt);
      expect(await send(acme, `lead-${write}`)).toEqual({ lead: `lead-${write}`, revision: `r${write}` });
    }

    const sorted = [...propagation].sort((a, b) => a - b);
    const median = (sorted[(WRITES - 1) >> 1]! + sorted[WRITES >> 1]!) / 2;
    const max = sorted[WRITES - 1]!;
    process.stdout.write(
      `config propagation over ${WRITES} API writes (write sent → pipeline's catalogs rebuilt): ` +
        `median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms (goal 500 ms)\n`,
    );

    // Tenant A's writes reloaded tenant A alone: globex's views were never rebuilt, nothing polled.
    const reloaded = changes.slice(from).flatMap(({ change }) => [...change.tenants.keys()]);
    expect(reloaded.filter((tenant) => tenant === acme.id)).toHaveLength(WRITES);
    expect(reloaded).not.toContain(globex.id);
    const metrics = await pipeline.metrics.configReloads.get();
    // Counters start at 0 for every known cause: no reload came from polling.
    expect(metrics.values.find((sample) => sample.labels.cause === 'poll')?.value ?? 0).toBe(0);
    expect(await send(globex, 'globex-lead')).toEqual({ lead: 'globex-lead', revision: 'r0' });
  });

  it('a pause and a resume through the api hold and release the pipeline at once', async () => {
    const connections = await acme.api.call<{ connections: Array<{ id: string }> }>('GET', '/connections');
    const connectionId = connections.body.connections[0]!.id;
    const paused = reloadOf(acme.id);
    expect((await acme.api.call('POST', `/connections/${connectionId}/pause`)).status).toBe(200);
    await paused;
    const before = receiver.requests.length;
    await acme.api.call('POST', '/events', {
      id: 'held-evt',
      type: 'registration.created',
      subject: 'held-lead',
      time: new Date().toISOString(),
      data: {},
    });
    // Held, not sent, by a dispatcher that learnt of the pause through the notification alone.
    await eventually('the delivery held behind the paused connection', async () => {
      const feed = await acme.api.call<{ deliveries: Array<{ status: string }> }>(
        'GET',
        '/deliveries?subject=held-lead',
      );
      return feed.body.deliveries[0]?.status === 'held' ? true : undefined;
    });
    expect(receiver.requests.length).toBe(before);
    const resumed = reloadOf(acme.id);
    expect((await acme.api.call('POST', `/connections/${connectionId}/resume`)).status).toBe(200);
    expect((await resumed).change.cause).toBe('notify');
    // The dispatcher's sweeper releases it (a resumed lane leaves within its 2 s round).
    await receiver.waitForCount(before + 1);
    expect(receiver.bodies<{ lead: string }>().slice(before)).toEqual([expect.objectContaining({ lead: 'held-lead' })]);
  });
});
