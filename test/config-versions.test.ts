import pino from 'pino';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import {
  ConfigChangeListener,
  ConfigRepository,
  ConnectionEntity,
  ConnectionPausedNotice,
  ConnectionsRepository,
  ConnectionSecretsRepository,
} from '@flowline/db';
import { seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';

/**
 * The per-tenant configuration versions against PostgreSQL: which writes bump a tenant's version
 * and notify (every configuration table, the API's writes), which do not (the dispatcher's own),
 * and the listener that hears them, also after its connection was cut.
 */
describe('tenant configuration versions and notifications', () => {
  const env = testEnvironment();
  const silent = pino({ level: 'silent' });
  let dataSource: DataSource;
  let configs: ConfigRepository;
  let listener: ConfigChangeListener;
  const notified: string[] = [];
  const paused: ConnectionPausedNotice[] = [];
  let listening = 0;

  const acme = `acme-${uniqueSuffix()}`;
  const globex = `globex-${uniqueSuffix()}`;
  const seeded: Record<string, { connectionId: string; mappingId: string; flowId: string }> = {};

  async function version(tenant: string): Promise<number> {
    return Number((await configs.versions()).get(tenant) ?? 0);
  }

  /** Runs `write` and answers how each tenant's version moved and which tenants were notified. */
  async function effectOf(write: () => Promise<unknown>) {
    const before = { acme: await version(acme), globex: await version(globex) };
    const from = notified.length;
    await write();
    // A marker written after `write`: once it is heard, every notification of `write` was too.
    const marker = `marker-${uniqueSuffix()}`;
    await dataSource.query('SELECT pg_notify($1, $2)', ['flowline_config_changed', marker]);
    await eventually('the marker notification', () => (notified.includes(marker) ? true : undefined), 5000);
    const heard = notified.slice(from, notified.indexOf(marker));
    return {
      acme: (await version(acme)) - before.acme,
      globex: (await version(globex)) - before.globex,
      notified: heard,
    };
  }

  beforeAll(async () => {
    dataSource = await openDatabase(env);
    configs = new ConfigRepository(dataSource);
    for (const tenantId of [acme, globex]) {
      seeded[tenantId] = await seedIntegration(dataSource, {
        tenantId,
        receiverUrl: 'https://receiver.example.com/hook',
        eventTypes: ['registration.created'],
        fields: [{ key: 'email', source: 'data.email' }],
      });
    }
    listener = new ConfigChangeListener(
      loadConfig(env).DATABASE_URL,
      {
        tenantChanged: (tenant) => notified.push(tenant),
        connectionPaused: (notice) => paused.push(notice),
        listening: () => (listening += 1),
      },
      silent,
    );
    await listener.start();
  });

  afterAll(async () => {
    await listener?.stop();
    await dataSource?.destroy();
  });

  it("loads a tenant's rows with its version, and nothing of other tenants", async () => {
    const loaded = await configs.load([acme]);
    expect([...loaded.keys()]).toEqual([acme]);
    const config = loaded.get(acme)!;
    expect(config.version).toBe(String(await version(acme)));
    expect(config.tables.connections.map((row) => row.id)).toEqual([seeded[acme]!.connectionId]);
    expect(config.tables.flows.map((row) => row.id)).toEqual([seeded[acme]!.flowId]);
    expect(config.tables.mappings.map((row) => row.id)).toEqual([seeded[acme]!.mappingId]);
  });

  // Each statement changes configuration of the tenant given as $1.
  it.each([
    ['a mapping changed', `UPDATE mappings SET name = 'renamed' WHERE tenant_id = $1`],
    ['a flow switched off', `UPDATE flows SET active = false WHERE tenant_id = $1`],
    ['a connection URL changed', `UPDATE connections SET url = 'https://new.example.com/' WHERE tenant_id = $1`],
    ['a tag created', `INSERT INTO tags (tenant_id, name, label) VALUES ($1, 'vip', 'VIP')`],
    [
      'three tag assignments in one statement',
      `INSERT INTO tag_assignments (tenant_id, tag_name, object, value)
         SELECT $1, 'vip', 'attendee_type', v FROM unnest(ARRAY['a', 'b', 'c']) v`,
    ],
    [
      'a sequence created',
      `INSERT INTO sequences (tenant_id, name, event_types, window_seconds)
         VALUES ($1, 's', ARRAY['registration.created'], 60)`,
    ],
    ['a flow deleted', `DELETE FROM flows WHERE tenant_id = $1`],
  ])('%s: bumps that tenant alone and notifies it once', async (_name, sql) => {
    const effect = await effectOf(() => dataSource.query(sql, [acme]));
    expect(effect.acme).toBeGreaterThan(0);
    expect(effect.globex).toBe(0);
    expect(effect.notified).toEqual([acme]);
  });

  it("the dispatcher's pause after a 410: no version moves, every dispatcher is told of the pause", async () => {
    const connectionId = seeded[globex]!.connectionId;
    const effect = await effectOf(() =>
      new ConnectionsRepository(dataSource).pauseAfterGone(globex, connectionId, 'HTTP 410: endpoint gone'),
    );
    expect(effect).toEqual({ acme: 0, globex: 0, notified: [] });
    expect(paused).toContainEqual({ tenant: globex, connectionId, reason: 'HTTP 410: endpoint gone' });
  });

  it("the dispatcher's stored refresh-token rotation: no version moves, nothing is notified", async () => {
    const connectionId = seeded[globex]!.connectionId;
    await dataSource.query(`UPDATE connections SET auth = $2 WHERE id = $1`, [
      connectionId,
      JSON.stringify({ type: 'oauth2', token_url: 'https://auth.example.com/token', refresh_token: 'sealed-1' }),
    ]);
    const effect = await effectOf(() =>
      new ConnectionSecretsRepository(dataSource).storeRotatedRefreshToken(connectionId, 'sealed-2'),
    );
    expect(effect).toEqual({ acme: 0, globex: 0, notified: [] });
  });

  it('an operator resume, and an API update of the connection (it moves updated_at), bump the version', async () => {
    const connectionId = seeded[globex]!.connectionId;
    const resumed = await effectOf(() =>
      dataSource.query('UPDATE connections SET paused_at = NULL, paused_reason = NULL WHERE id = $1', [connectionId]),
    );
    expect(resumed).toMatchObject({ globex: 1, notified: [globex] });

    // As the api writes: TypeORM sets updated_at, so a pause made through it is configuration.
    const pausedByApi = await effectOf(() =>
      dataSource
        .createQueryBuilder()
        .update(ConnectionEntity)
        .set({ pausedAt: () => 'now()', pausedReason: 'paused by operator' })
        .where('id = :id', { id: connectionId })
        .execute(),
    );
    expect(pausedByApi).toMatchObject({ acme: 0, globex: 1, notified: [globex] });
  });

  it('listens again after its connection was cut, and says so (the snapshot then checks every tenant)', async () => {
    const before = listening;
    await dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'flowline-config-listener'
         AND pid <> pg_backend_pid()`,
    );
    await eventually('listening again', () => (listening > before ? true : undefined), 15_000);
    const effect = await effectOf(() =>
      dataSource.query(`UPDATE mappings SET name = 'after the cut' WHERE tenant_id = $1`, [acme]),
    );
    expect(effect.notified).toEqual([acme]);
  });
});
