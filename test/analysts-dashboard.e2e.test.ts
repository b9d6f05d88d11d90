import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { ANALYST_ROLE, ANALYTICS_SCHEMA } from '@flowline/db';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { waitForPipelineDrained } from './support/consumer-groups';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';
import { registrationEvent } from './support/events';
import { DashboardVariable, interpolateGrafanaSql, Selection } from './support/grafana-sql';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const DASHBOARD_FILE = join(__dirname, '..', 'deploy', 'grafana', 'dashboards', 'flowline-analysts.json');

interface Target {
  rawSql: string;
  format: 'table' | 'time_series';
}
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
}
interface Dashboard {
  templating: { list: Array<DashboardVariable & { type: string; query: unknown }> };
  panels: Panel[];
}

interface Insights {
  changes_processed: number;
  unique_registrations: number;
  actions_triggered: number;
  actions_not_triggered: number;
  actions_not_triggered_by_reason: Record<string, number>;
  active_flows: number;
  deliveries_succeeded: number;
  deliveries_failed: number;
  in_retry_queue: number;
  total_retried: number;
  retried_abandoned: number;
  validation_errors: number;
}

/** Which `GET /insights` figure each stat panel of the dashboard shows. */
const STAT_FIGURES: Record<string, keyof Insights> = {
  'Changes processed': 'changes_processed',
  'Unique registrations': 'unique_registrations',
  'Actions triggered': 'actions_triggered',
  'Actions not triggered': 'actions_not_triggered',
  'Active flows': 'active_flows',
  Delivered: 'deliveries_succeeded',
  Failed: 'deliveries_failed',
  'Total retried': 'total_retried',
  'Retried abandoned': 'retried_abandoned',
  'Validation errors': 'validation_errors',
  'In retry queue (now)': 'in_retry_queue',
};

/**
 * The analysts' Grafana dashboard (issue 12 item 6, decision 0023) over real traffic: events
 * through Kafka and every service, webhooks to a real receiver that accepts, refuses, fails once
 * and fails for good; then every query of the dashboard, expanded as Grafana expands it, run as a
 * login role whose only right is membership in `flowline_analyst_read`, compared with GET /insights.
 */
describe("the analysts' dashboard", () => {
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `dashboard-${uniqueSuffix()}`.repeat(4),
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const tenant = `analysts-${uniqueSuffix()}`;
  const other = `analysts-other-${uniqueSuffix()}`;
  const analystLogin = `analyst_${uniqueSuffix().replace(/\W/g, '_')}`.toLowerCase();
  const analystPassword = randomBytes(18).toString('base64url');
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
  const variables = dashboard.templating.list;
  const queryPanels = dashboard.panels.filter((panel) => panel.type !== 'row');
  const subjects = ['att-1', 'att-2', 'att-3', 'rejected', 'flaky', 'down', 'no-email', 'seq-lead'];
  let cluster: TestCluster;
  let dataSource: DataSource;
  let analyst: Client;
  let api: ApiClient;
  let otherApi: ApiClient;
  const ids: Record<'registrations' | 'engaged' | 'crm' | 'warehouse', string> = {
    registrations: '',
    engaged: '',
    crm: '',
    warehouse: '',
  };
  let from: Date;
  let to: Date;

  beforeAll(async () => {
    // /crm refuses one lead for good (400), fails one once (503, then 200) and one always (503:
    // abandoned after its retry); everything else is accepted.
    const crmCalls = new Map<string, number>();
    receiver.responder = (request) => {
      if (request.path !== '/crm') return { status: 200 };
      const lead = (JSON.parse(request.body) as { lead?: string }).lead ?? '';
      const call = (crmCalls.get(lead) ?? 0) + 1;
      crmCalls.set(lead, call);
      if (lead === 'rejected') return { status: 400 };
      if (lead === 'down' || (lead === 'flaky' && call === 1)) return { status: 503 };
      return { status: 200 };
    };
    await receiver.start();
    dataSource = await openDatabase(env);
    cluster = await startCluster(env, ['api']);
    api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant);
    otherApi = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, other);
    await api.create('/tags', { name: 'engaged', label: 'Engaged', objects: ['registration_status'] });
    expect(
      (await api.call('PUT', '/tags/engaged/assignments', [{ object: 'registration_status', value: 'Attended' }]))
        .status,
    ).toBe(200);
    const retryOnce = { max_retries: 1, retry_schedule_s: [1] };
    ids.crm = (await api.create('/connections', { name: 'CRM', url: `${receiver.url}/crm`, ...retryOnce })).id;
    ids.warehouse = (await api.create('/connections', { name: 'Warehouse', url: `${receiver.url}/warehouse` })).id;
    const mapping = await api.create('/mappings', {
      name: 'lead',
      fields: [
        { target: 'lead', source: '$subject' },
        { target: 'email', source: 'profile.email', required: true },
        { target: 'status', source: 'registration.status' },
      ],
    });
    ids.registrations = (
      await api.create('/flows', {
        name: 'registrations',
        source: { types: ['registration.created'] },
        destination: { connection_id: ids.crm, payload_mapping_id: mapping.id },
      })
    ).id;
    ids.engaged = (
      await api.create('/flows', {
        name: 'engaged',
        source: { preset: 'registration_status_change' },
        activate_for: { registration_status: ['engaged'] },
        destination: { connection_id: ids.warehouse, payload_mapping_id: mapping.id },
      })
    ).id;
    await api.create('/sequences', {
      name: 'Buying intent',
      event_types: ['pricing_page_view', 'demo_request'],
      window_seconds: 3600,
      ordered: true,
      webhook_url: `${receiver.url}/sequence`,
    });
    await cluster.close();
    cluster = await startCluster(env);
    api = api.at(cluster.url);
    otherApi = otherApi.at(cluster.url);

    // The login an operator would give Grafana: membership in the read-only role, nothing else.
    await dataSource.query(`CREATE ROLE ${analystLogin} LOGIN PASSWORD '${analystPassword}'`);
    await dataSource.query(`GRANT ${ANALYST_ROLE} TO ${analystLogin}`);
    const url = new URL(loadConfig(env).DATABASE_URL);
    url.username = analystLogin;
    url.password = analystPassword;
    analyst = new Client({ connectionString: url.toString() });
    await analyst.connect();
  });

  afterAll(async () => {
    await analyst?.end();
    await dataSource?.query(`DROP ROLE IF EXISTS ${analystLogin}`);
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  const insights = async (client: ApiClient, live: boolean) => {
    const response = await client.call<Insights>(
      'GET',
      `/insights?from=${from.toISOString()}&to=${to.toISOString()}&live=${live}`,
    );
    expect(response.status).toBe(200);
    return response.body;
  };

  const all = (values: readonly string[] = []): Selection => ({ all: values });

  /** Every query of the dashboard, as Grafana would send it, run as the analyst. */
  async function runPanel(panel: Panel, selections: Record<string, Selection>) {
    const [target] = panel.targets!;
    const sql = interpolateGrafanaSql(target!.rawSql, { from, to, variables, selections });
    return (await analyst.query<Record<string, unknown>>(sql)).rows;
  }

  const panel = (title: string) => {
    const found = queryPanels.find((candidate) => candidate.title === title);
    if (!found) throw new Error(`no panel ${title}`);
    return found;
  };

  /** A stat panel's single figure. */
  async function stat(title: string, selections: Record<string, Selection>): Promise<number> {
    const rows = await runPanel(panel(title), selections);
    expect(rows).toHaveLength(1);
    return Number(Object.values(rows[0]!)[0]);
  }

  const oneTenant = (live = 'true'): Record<string, Selection> => ({
    tenant: tenant,
    live,
    flow: all(),
    connection: all(),
  });

  it('runs after real traffic: some events trigger, some not for several reasons, deliveries succeed, retry, fail and are abandoned, a sequence completes', async () => {
    const event = (subject: string, sequence: number, extra: Record<string, unknown> = {}) => ({
      ...registrationEvent(tenant, subject, sequence),
      ...extra,
    });
    const statusChange = (subject: string, sequence: number, status: string) => ({
      ...registrationEvent(tenant, subject, sequence, { registration: { status, previous_status: 'Registered' } }),
      type: 'registration.status_changed',
    });
    const events = [
      event('att-1', 1), // registrations → CRM 200
      event('att-1', 2), // the same registration again → 200
      event('att-2', 3), // → 200
      event('rejected', 4), // → 400: failed, no retry
      event('flaky', 5), // → 503, retried, then 200
      event('down', 6), // → 503 twice: abandoned
      { ...event('no-email', 7), data: { profile: { first_name: 'No' } } }, // validation failure
      statusChange('att-1', 8, 'Attended'), // engaged → Warehouse 200
      statusChange('att-3', 9, 'Mystery'), // not triggered: untagged status
      event('seq-lead', 10, { type: 'pricing_page_view' }), // not triggered: no flow for it
      event('seq-lead', 11, { type: 'demo_request' }), // ... and completes the sequence → 200
      registrationEvent(other, 'att-1', 1), // the other tenant has no flow
    ];
    from = new Date(Date.now() - 60_000);
    await kafka.produceJson(
      topics.of(Topic.Ingest),
      events.map((value) => ({ key: `${value.tenant}:${value.subject}`, value })),
    );
    // CRM: 2 + 1 + 1 (refused) + 2 (flaky) + 2 (down); Warehouse: 1; the sequence's webhook: 1.
    await receiver.waitForCount(10);
    await eventually('every delivery settled', async () => {
      const [row] = await dataSource.query<Array<{ settled: string; waiting: string }>>(
        `SELECT count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'abandoned')) AS settled,
                count(*) FILTER (WHERE status NOT IN ('succeeded', 'failed', 'abandoned')) AS waiting
           FROM deliveries WHERE tenant_id = $1`,
        [tenant],
      );
      return Number(row!.settled) === 9 && Number(row!.waiting) === 0 ? true : undefined;
    });
    await waitForPipelineDrained(kafka.kafka, topics);
    to = new Date(Date.now() + 60_000);
  });

  it("answers every panel's query, as Grafana sends it, as the read-only role, with data", async () => {
    expect(queryPanels.length).toBeGreaterThan(10);
    for (const queried of queryPanels) {
      expect(queried.targets).toHaveLength(1);
      const rows = await runPanel(queried, oneTenant());
      if (rows.length === 0) throw new Error(`panel "${queried.title}" returned no rows`);
      if (queried.targets![0]!.format === 'time_series') expect(rows[0]).toHaveProperty('time');
    }
    // Every variable's query too: the tenant list holds both tenants; the flow and connection
    // lists hold the chosen tenant's own.
    const variableRows = async (name: string, tenants: Selection) => {
      const variable = variables.find((candidate) => candidate.name === name)!;
      const sql = interpolateGrafanaSql(variable.query as string, {
        from,
        to,
        variables,
        selections: { tenant: tenants },
      });
      return (await analyst.query<{ __value: string; __text: string }>(sql)).rows;
    };
    expect((await variableRows('tenant', all())).map((row) => row.__value)).toEqual(
      expect.arrayContaining([tenant, other]),
    );
    expect((await variableRows('flow', [tenant])).map((row) => row.__value).sort()).toEqual(
      [ids.registrations, ids.engaged].sort(),
    );
    expect((await variableRows('connection', tenant)).map((row) => row.__text).sort()).toEqual([
      `CRM (${tenant})`,
      `Warehouse (${tenant})`,
    ]);
    expect(await variableRows('flow', [other])).toEqual([]);
  });

  it('shows the figures of GET /insights for the same tenant and period, live and test', async () => {
    const live = await insights(api, true);
    // The traffic exercised every figure but the queue (everything settled): a figure that stayed
    // zero on both sides would prove nothing.
    for (const figure of Object.values(STAT_FIGURES).filter((name) => name !== 'in_retry_queue'))
      expect(live[figure]).toBeGreaterThan(0);
    for (const [title, figure] of Object.entries(STAT_FIGURES)) {
      expect({ title, value: await stat(title, oneTenant()) }).toEqual({ title, value: live[figure] });
    }
    const reasons = await runPanel(panel('Actions not triggered, by reason'), oneTenant());
    const byReason = Object.fromEntries(
      Object.entries(live.actions_not_triggered_by_reason).filter(([, count]) => count > 0),
    );
    expect(Object.keys(byReason).length).toBeGreaterThanOrEqual(2);
    expect(Object.fromEntries(reasons.map((row) => [row.Reason, Number(row.Events)]))).toEqual(byReason);

    const test = await insights(api, false);
    for (const [title, figure] of Object.entries(STAT_FIGURES)) {
      expect({ title, value: await stat(title, oneTenant('false')) }).toEqual({ title, value: test[figure] });
    }
  });

  it('counts deliveries by outcome and retries by category as the delivery log holds them', async () => {
    const outcomes = await runPanel(panel('Deliveries by outcome'), oneTenant());
    const retries = await runPanel(panel('Retries by category'), oneTenant());
    const [outcomesInLog, retriesInLog] = await Promise.all([
      dataSource.query<Array<{ status: string; n: string }>>(
        'SELECT status, count(*) AS n FROM deliveries WHERE tenant_id = $1 GROUP BY status',
        [tenant],
      ),
      dataSource.query<Array<{ category: string; n: string }>>(
        `SELECT category, sum(retry_count) AS n FROM deliveries WHERE tenant_id = $1 AND retry_count > 0 GROUP BY category`,
        [tenant],
      ),
    ]);
    const asMap = (rows: ReadonlyArray<Record<string, unknown>>, key: string, value: string) =>
      new Map(rows.map((row) => [String(row[key]), Number(row[value])]));
    expect(asMap(outcomes, 'Outcome', 'Deliveries')).toEqual(asMap(outcomesInLog, 'status', 'n'));
    expect(asMap(outcomes, 'Outcome', 'Deliveries')).toEqual(
      new Map([
        ['succeeded', 6],
        ['failed', 2],
        ['abandoned', 1],
      ]),
    );
    expect(asMap(retries, 'Category', 'Retries')).toEqual(asMap(retriesInLog, 'category', 'n'));
    expect(asMap(retries, 'Category', 'Retries')).toEqual(new Map([['system', 2]])); // flaky's and down's 503s

    const completions = await api.call<{ sequence_events: unknown[] }>('GET', '/sequence-events');
    expect(await stat('Sequence completions', oneTenant())).toBe(completions.body.sequence_events.length);
    expect(completions.body.sequence_events).toHaveLength(1);
    expect(await stat('Sequence completions', oneTenant('false'))).toBe(0);
  });

  it('filters by flow and connection, one value or several, and by tenant, one, several or all', async () => {
    const deliveredTo = async (flow: Selection, connection: Selection) =>
      stat('Delivered', { tenant, live: 'true', flow, connection });
    // registrations: att-1 twice, att-2, flaky; engaged: att-1; the sequence's webhook has no flow.
    expect(await deliveredTo(ids.registrations, all())).toBe(4);
    expect(await deliveredTo([ids.engaged], all())).toBe(1);
    expect(await deliveredTo([ids.registrations, ids.engaged], all())).toBe(5);
    expect(await deliveredTo(all(), all())).toBe(6);
    expect(await deliveredTo(all(), ids.warehouse)).toBe(1);
    expect(await deliveredTo(all(), [ids.crm, ids.warehouse])).toBe(5);
    expect(await deliveredTo(ids.engaged, ids.crm)).toBe(0);
    const perFlow = await runPanel(panel('Per flow and connection'), {
      tenant,
      live: 'true',
      flow: ids.registrations,
      connection: all(),
    });
    expect(perFlow).toEqual([
      expect.objectContaining({ 'Flow or sequence': 'registrations', Connection: 'CRM', Deliveries: '7' }),
    ]);

    const [mine, theirs] = [await insights(api, true), await insights(otherApi, true)];
    expect(theirs.changes_processed).toBe(1);
    const changes = (tenants: Selection) =>
      stat('Changes processed', { tenant: tenants, live: 'true', flow: all(), connection: all() });
    expect(await changes(other)).toBe(theirs.changes_processed);
    expect(await changes([tenant, other])).toBe(mine.changes_processed + theirs.changes_processed);
    // All: every tenant of the database, including other suites' (the custom all value).
    expect(await changes(all())).toBeGreaterThanOrEqual(mine.changes_processed + theirs.changes_processed);
    // All without a custom all value would list the options: the same two tenants.
    const listed = interpolateGrafanaSql(panel('Changes processed').targets![0]!.rawSql, {
      from,
      to,
      variables: variables.map((variable) => (variable.name === 'tenant' ? { ...variable, allValue: null } : variable)),
      selections: { tenant: all([tenant, other]), live: 'true', flow: all(), connection: all() },
    });
    expect(Number(Object.values((await analyst.query(listed)).rows[0] as object)[0])).toBe(
      mine.changes_processed + theirs.changes_processed,
    );
  });

  it('shows no subject, email or URL in any view', async () => {
    const { rows: views } = await analyst.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.views WHERE table_schema = $1 ORDER BY 1`,
      [ANALYTICS_SCHEMA],
    );
    expect(views.length).toBeGreaterThanOrEqual(10);
    for (const { table_name: view } of views) {
      const { rows } = await analyst.query(`SELECT * FROM ${ANALYTICS_SCHEMA}.${view} WHERE tenant_id = $1`, [tenant]);
      expect({ view, rows: rows.length > 0 }).toEqual({ view, rows: true });
      const text = JSON.stringify(rows);
      for (const secretive of [...subjects.map((subject) => `"${subject}`), '@example.com', receiver.url])
        expect({ view, mentions: text.includes(secretive) ? secretive : null }).toEqual({ view, mentions: null });
    }
  });

  it('cannot read a table, nor write anything', async () => {
    const denied = async (sql: string) => {
      await expect(analyst.query(sql)).rejects.toThrow(/permission denied/);
    };
    await denied('SELECT message FROM deliveries LIMIT 1');
    await denied('SELECT url, headers, auth FROM connections LIMIT 1');
    await denied('SELECT key FROM analytics_pseudonym_key');
    const tables = await dataSource.query<Array<{ table_schema: string; table_name: string }>>(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.length).toBeGreaterThan(15);
    for (const { table_schema: schema, table_name: table } of tables)
      await denied(`SELECT 1 FROM "${schema}"."${table}" LIMIT 1`);
    await denied(`INSERT INTO ${ANALYTICS_SCHEMA}.tenants (tenant_id, tenant_name) VALUES ('x', 'x')`);
    await denied(`UPDATE ${ANALYTICS_SCHEMA}.sequences SET sequence_name = 'x'`);
    await denied(`DELETE FROM ${ANALYTICS_SCHEMA}.connections`);
    await denied(`INSERT INTO tenants (id, name) VALUES ('x', 'x')`);
    await denied('DELETE FROM deliveries');
    await denied('CREATE TABLE public.analyst_scratch (x int)');
    await denied(`CREATE VIEW ${ANALYTICS_SCHEMA}.analyst_scratch AS SELECT 1`);
  });
});
