import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { launchChromium, unusableAtBothWidths } from './support/browser';
import { startCluster, TestCluster } from './support/cluster';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const SECRET_KEY = `console-pages-${uniqueSuffix()}`.repeat(3);

/**
 * The console's pages beyond the first setup (issue 14), in Debian's chromium against the real api,
 * mapper and dispatcher on Kafka and PostgreSQL: pausing and resuming a connection, tags and their
 * assignments, a sequence trigger and its simulation, a replay with its progress bar, the mapping
 * preview's sample picked from recent events (and the managed-tags field), deleting, and paging.
 * The flow-evaluator does not run: every webhook the receiver gets comes from a replay. Each state
 * the user reaches is checked with axe-core at 1280 and 390 px.
 */
describe('the console pages', () => {
  const env = testEnvironment({ FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN, FLOWLINE_SECRET_KEY: SECRET_KEY });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const receiver = new HttpReceiver();
  const tenant = `pages-${uniqueSuffix()}`;
  let cluster: TestCluster;
  let api: ApiClient;
  let browser: Browser;
  let page: Page;
  const unusable: string[] = [];

  const at = (path: string) => `${cluster.url}/console${path}`;
  /** Records what axe-core or the widths find in the page as it is now; asserted at the end. */
  const check = async (where: string, screenshot?: string) =>
    unusable.push(...(await unusableAtBothWidths(page, where, screenshot)));

  /** An event as ingest writes it to the event log. */
  const logged = (id: string, subject: string, type: string, data: Record<string, unknown>) => ({
    key: `${tenant}:${subject}`,
    value: { id, tenant, type, subject, time: new Date().toISOString(), test: false, data, ingestedAt: Date.now() },
  });

  beforeAll(async () => {
    await receiver.start();
    cluster = await startCluster(env, ['api', 'mapper', 'dispatcher']);
    api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(at('/'));
    await page.getByLabel('API key').fill(api.key!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Flows' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
    await kafka.close();
    await receiver.stop();
  });

  it('pauses a connection, which then stands out in the list, and resumes it', async () => {
    const paused = await api.create('/connections', { name: 'Paused CRM', url: `${receiver.url}/paused` });
    await api.create('/connections', { name: 'Running CRM', url: `${receiver.url}/running` });
    await page.goto(at(`/connections/${paused.id}`));
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByText('Paused: deliveries are held until you resume.').waitFor();
    await page.getByText(/^Paused since .*: its deliveries are held, not lost\.$/).waitFor();
    await check('a paused connection');

    await page.getByRole('link', { name: 'Connections' }).click();
    const pausedRow = page.getByRole('row', { name: /Paused CRM/ });
    const runningRow = page.getByRole('row', { name: /Running CRM/ });
    await pausedRow.getByText('Paused', { exact: true }).waitFor();
    await runningRow.getByText('Running', { exact: true }).waitFor();
    const background = (row: typeof pausedRow) =>
      row.evaluate(
        (node: unknown) =>
          (globalThis as unknown as { getComputedStyle(node: unknown): { backgroundColor: string } }).getComputedStyle(
            node,
          ).backgroundColor,
      );
    expect(await background(pausedRow)).not.toBe(await background(runningRow));
    await check('the connections, one paused');
    expect((await api.call<{ paused: unknown }>('GET', `/connections/${paused.id}`)).body.paused).not.toBeNull();

    await pausedRow.getByRole('link', { name: 'Paused CRM' }).click();
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.getByText('Resumed: held deliveries go now, in order.').waitFor();
    await page.getByRole('link', { name: 'Connections' }).click();
    await page
      .getByRole('row', { name: /Paused CRM/ })
      .getByText('Running', { exact: true })
      .waitFor();
    expect((await api.call<{ paused: unknown }>('GET', `/connections/${paused.id}`)).body.paused).toBeNull();
  });

  it('creates a tag, applies it to values and removes one, with the API’s messages beside the form', async () => {
    await page.getByRole('link', { name: 'Tags' }).click();
    await page.getByText('No tags yet: create the first one above.').waitFor();
    const form = page.getByRole('form', { name: 'New tag' });
    await form.getByLabel('Tag name').fill('vip status');
    await form.getByRole('button', { name: 'Create tag' }).click();
    // Every problem at once, and what was typed stays.
    await form.getByText(/name may hold letters, digits/).waitFor();
    await form.getByText(/label must be/).waitFor();
    await expect(form.getByLabel('Tag name').inputValue()).resolves.toBe('vip status');

    await form.getByLabel('Tag name').fill('vip');
    await form.getByLabel('Label').fill('VIP attendees');
    await form.getByRole('checkbox', { name: 'Attendee type' }).check();
    await form.getByRole('checkbox', { name: 'Registration status', exact: true }).check();
    await form.getByRole('button', { name: 'Create tag' }).click();
    const tag = page.getByRole('list', { name: 'Tags' }).getByRole('listitem').filter({ hasText: 'VIP attendees' });
    await tag.getByText('Not applied to any value yet.').waitFor();

    const apply = tag.getByRole('form', { name: 'Apply vip' });
    await apply.getByLabel('Object').selectOption('attendee_type');
    await apply.getByLabel('Value').fill('VIP');
    await apply.getByRole('button', { name: 'Apply vip' }).click();
    await tag.getByText('attendee_type: VIP').waitFor();
    await apply.getByLabel('Object').selectOption('registration_status');
    await apply.getByLabel('Value').fill('Registered');
    await apply.getByRole('button', { name: 'Apply vip' }).click();
    await tag.getByText('registration_status: Registered').waitFor();
    await check('a tag with two assignments', 'tags');
    expect((await api.call('GET', '/tags/vip')).body).toMatchObject({
      assignments: [
        { object: 'attendee_type', value: 'VIP' },
        { object: 'registration_status', value: 'Registered' },
      ],
    });

    await tag.getByRole('button', { name: 'Remove VIP' }).click();
    await tag.getByText('attendee_type: VIP').waitFor({ state: 'detached' });
    expect((await api.call('GET', '/tags/vip')).body).toMatchObject({
      assignments: [{ object: 'registration_status', value: 'Registered' }],
    });
  });

  it('edits a sequence trigger and simulates it against pasted events', async () => {
    await page.getByRole('link', { name: 'Sequences' }).click();
    await page.getByText('No sequence triggers yet.').waitFor();
    await page.getByRole('link', { name: 'New sequence trigger' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Hot lead');
    await page.getByLabel('Event types, one per line, in order').fill('pricing_page_view\ndemo_request');
    await page.getByLabel('Window', { exact: true }).fill('2');
    await page.getByLabel('Window unit').selectOption('days');
    await page.getByLabel('Webhook URL').fill('not a url');
    await page.getByLabel('Emails (comma-separated)').fill('sales@example.com, ops@example.com');
    await page.getByLabel('Subject').fill('A hot lead');
    await page.getByLabel('Preheader').fill('Pricing, then a demo');
    await page.getByLabel('Message').fill('Call them today.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const urlField = page.locator('.field', { has: page.getByLabel('Webhook URL') });
    await urlField
      .locator('.field-errors')
      .getByText(/^webhook_url /)
      .waitFor();
    await expect(page.getByLabel('Subject').inputValue()).resolves.toBe('A hot lead');
    await page.getByLabel('Webhook URL').fill(`${receiver.url}/sequences`);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    const [stored] = (await api.call<{ sequences: Array<Record<string, unknown>> }>('GET', '/sequences')).body
      .sequences;
    expect(stored).toMatchObject({
      name: 'Hot lead',
      event_types: ['pricing_page_view', 'demo_request'],
      window_seconds: 2 * 86_400,
      ordered: true,
      webhook_url: `${receiver.url}/sequences`,
      emails: ['sales@example.com', 'ops@example.com'],
      email_subject: 'A hot lead',
      email_preheader: 'Pricing, then a demo',
      email_message: 'Call them today.',
    });

    const simulate = page.getByRole('form', { name: 'Simulate' });
    const events = simulate.getByLabel(/^Events/);
    await events.fill(
      JSON.stringify([
        { id: 'e1', event_type: 'pricing_page_view', created_at: '2025-01-10T09:00:00Z' },
        { id: 'e2', event_type: 'demo_request', created_at: '2025-01-11T09:00:00Z' },
      ]),
    );
    await simulate.getByRole('button', { name: 'Simulate' }).click();
    await simulate.getByText('The sequence matches').waitFor();
    await simulate.getByText('Matched: pricing_page_view → demo_request').waitFor();
    await check('a sequence trigger with its simulation', 'sequence-editor');

    // In the wrong order, or further apart than the window: no match.
    await events.fill(
      JSON.stringify([
        { event_type: 'demo_request', created_at: '2025-01-10T09:00:00Z' },
        { event_type: 'pricing_page_view', created_at: '2025-01-11T09:00:00Z' },
      ]),
    );
    await simulate.getByRole('button', { name: 'Simulate' }).click();
    await simulate.getByText('No match').waitFor();
    await events.fill('[{"event_type": ');
    await simulate.getByRole('button', { name: 'Simulate' }).click();
    await simulate.getByText(/the events are not valid JSON/).waitFor();
  });

  it('picks the preview’s sample from recent events, and renders managed tags', async () => {
    const subject = `att-${uniqueSuffix()}`;
    await kafka.produceJson(topics.of(Topic.Events), [
      logged(`evt-${subject}`, subject, 'contact.updated', {
        profile: { first_name: 'Grace', email: 'grace@example.com' },
        entitlement: { publication: 'Premium Magazine' },
      }),
    ]);
    await api.create('/mappings', { name: 'Lead header', fields: [{ target: 'X-Lead', source: '$subject' }] });
    await page.getByRole('link', { name: 'Mappings' }).click();
    await page.getByRole('link', { name: 'New mapping' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Recent sample');
    const first = page.getByRole('group', { name: 'Target field 1' });
    await first.getByLabel('Target').fill('email');
    await first.getByLabel('Source').fill('email');
    // The built-in sample renders first.
    await page.locator('.payload').getByText('"email": "john.doe@example.com"').waitFor();

    await page.getByRole('button', { name: 'Load recent events' }).click();
    const option = page.getByLabel('Recent event').locator('option', { hasText: subject });
    await option.waitFor({ state: 'attached' });
    await page.getByLabel('Recent event').selectOption(await option.getAttribute('value'));
    await expect(page.getByLabel(/^Sample event/).inputValue()).resolves.toContain(`"subject": "${subject}"`);
    await page.locator('.payload').getByText('"email": "grace@example.com"').waitFor();

    await page.getByRole('button', { name: 'Add target field' }).click();
    const second = page.getByRole('group', { name: 'Target field 2' });
    await second.getByLabel('Target').fill('tags');
    await second.getByLabel('Value from').selectOption('tags');
    await second.getByLabel('Tag prefix').fill('sesamy_');
    await second.getByLabel(/^Tags read from the event/).fill('entitlement.publication');
    await second.getByLabel(/^Fixed tags/).fill('active_subscriber');
    // Read values are slugified, fixed ones kept as written; all are prefixed.
    await page
      .locator('.payload')
      .getByText(/"sesamy_premium-magazine",\s*"sesamy_active_subscriber"/)
      .waitFor();
    // The headers a header mapping renders from the same event.
    await page.getByLabel('Headers from').selectOption({ label: 'Lead header' });
    await page.locator('.headers').getByText(`"X-Lead": "${subject}"`).waitFor();
    await check('the mapping editor with a recent event and managed tags', 'mapping-editor');

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    // Reloaded, the managed-tags field is still one, as saved.
    await page.reload();
    await expect(
      page.getByRole('group', { name: 'Target field 2' }).getByLabel('Value from').inputValue(),
    ).resolves.toBe('tags');
    const mappings = (await api.call<{ mappings: Array<{ name: string; fields: unknown[] }> }>('GET', '/mappings')).body
      .mappings;
    expect(mappings.find((mapping) => mapping.name === 'Recent sample')?.fields).toEqual([
      { target: 'email', source: 'email' },
      {
        target: 'tags',
        tags: {
          prefix: 'sesamy_',
          from: ['entitlement.publication'],
          values: ['active_subscriber'],
        },
      },
    ]);
  });

  it('replays a flow over a period with a progress bar, and the replayed webhooks arrive', async () => {
    const connection = await api.create('/connections', { name: 'Replay target', url: `${receiver.url}/replayed` });
    const mapping = await api.create('/mappings', { name: 'lead', fields: [{ target: 'lead', source: '$subject' }] });
    await api.create('/flows', {
      name: 'Registrations again',
      source: { types: ['lead.scored'] },
      destination: { connection_id: connection.id, payload_mapping_id: mapping.id },
    });
    await kafka.produceJson(topics.of(Topic.Events), [
      logged('replay-1', 'lead-1', 'lead.scored', {}),
      logged('replay-2', 'lead-2', 'lead.viewed', {}),
      logged('replay-3', 'lead-3', 'lead.scored', {}),
    ]);
    const before = receiver.requests.length;
    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('link', { name: 'Replay Registrations again' }).click();
    await page.getByRole('heading', { level: 1, name: 'Replay Registrations again' }).waitFor();
    // The default period is the last day up to the next whole minute, so the events just produced are in it.
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    const progress = page.getByRole('progressbar');
    await progress.waitFor();
    // This tenant's events of the period: the previous test's sample and these three; two of them are scored.
    await page.getByText('Replay done: 4 events read, 2 actions').waitFor({ timeout: 60_000 });
    await expect(progress.getAttribute('value')).resolves.toBe('1');
    await check('a finished replay', 'replay');
    await receiver.waitForCount(before + 2, 30_000);
    const leads = receiver.requests.slice(before).map((request) => JSON.parse(request.body) as { lead: string });
    expect(leads.map((body) => body.lead).sort()).toEqual(['lead-1', 'lead-3']);
  });

  it('deletes after asking, and pages a long list', async () => {
    for (let index = 1; index <= 21; index += 1)
      await api.create('/mappings', {
        name: `mapping ${String(index).padStart(2, '0')}`,
        fields: [{ target: 'lead', source: '$subject' }],
      });
    await page.getByRole('link', { name: 'Mappings' }).click();
    await page.getByText('Page 1 of 2').waitFor();
    const rows = page.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(20);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 2').waitFor();
    // 21 made here, 3 by the tests before: 4 on the second page.
    await expect(rows.count()).resolves.toBe(4);

    await page.getByRole('button', { name: 'Previous' }).click();
    const doomed = page.getByRole('row', { name: /mapping 01/ });
    await doomed.getByRole('button', { name: 'Delete mapping mapping 01' }).click();
    await doomed.getByText('Delete mapping mapping 01? This cannot be undone.').waitFor();
    await check('a deletion being confirmed');
    await doomed.getByRole('button', { name: 'Keep it' }).click();
    await doomed.getByRole('button', { name: 'Delete mapping mapping 01' }).click();
    await doomed.getByRole('button', { name: 'Yes, delete mapping mapping 01' }).click();
    await page.getByRole('row', { name: /mapping 01/ }).waitFor({ state: 'detached' });
    const names = (await api.call<{ mappings: Array<{ name: string }> }>('GET', '/mappings')).body.mappings.map(
      (mapping) => mapping.name,
    );
    expect(names).toHaveLength(23);
    expect(names).not.toContain('mapping 01');
  });

  it('has no serious accessibility finding and nothing wider than the window in any state above', () => {
    expect(unusable).toEqual([]);
  });
});
