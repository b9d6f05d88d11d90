import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { launchChromium, seriousAxeViolations } from './support/browser';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';
import { registrationEvent } from './support/events';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const SECRET_KEY = `console-${uniqueSuffix()}`.repeat(3);
/** Set to write the README's screenshots (docs/console/) while the accessibility test visits each page. */
const SCREENSHOTS = process.env.FLOWLINE_CONSOLE_SCREENSHOTS === '1';
const SCREENSHOT_PAGES = new Set([
  'flows',
  'connection-editor',
  'mapping-editor',
  'insights',
  'activity',
  'retry-queue',
]);

/**
 * The console (issue 14) in a real browser against the real stack: Debian's chromium, the whole
 * cluster on real Kafka and PostgreSQL, and real HTTP receivers. Everything the user does goes
 * through the console's pages; the test checks what reaches the receivers and the public API.
 */
describe('the console', () => {
  const env = testEnvironment({ FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN, FLOWLINE_SECRET_KEY: SECRET_KEY });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const crm = new HttpReceiver();
  const flaky = new HttpReceiver();
  const acme = {
    id: `acme-${uniqueSuffix()}`,
    key: `flk_acme_${uniqueSuffix()}${uniqueSuffix()}`,
    api: undefined as unknown as ApiClient,
  };
  let globexKey = '';
  let cluster: TestCluster;
  let dataSource: DataSource;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  /** The console address of a page. */
  const at = (path: string) => `${cluster.url}/console${path}`;

  async function signIn(target: Page, key: string): Promise<void> {
    await target.goto(at('/'));
    await target.getByLabel('API key').fill(key);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.getByRole('heading', { level: 1, name: 'Flows' }).waitFor();
  }

  beforeAll(async () => {
    await crm.start();
    await flaky.start();
    flaky.responder = () => ({ status: 503 });
    dataSource = await openDatabase(env);
    // A second integration of acme's, made before the cluster starts: a CRM that is down, to
    // a connection that gives up at the first failure, so its delivery lands in the retry queue.
    await seedIntegration(dataSource, {
      tenantId: acme.id,
      receiverUrl: `${flaky.url}/hooks/flaky`,
      eventTypes: ['contract.purchased'],
      fields: [{ target: 'lead', source: '$subject' }],
      policy: { max_retries: 0 },
    });
    await dataSource.query('UPDATE tenants SET api_key_hash = $2 WHERE id = $1', [
      acme.id,
      createHash('sha256').update(acme.key).digest('hex'),
    ]);
    cluster = await startCluster(env);
    acme.api = new ApiClient(cluster.url, acme.key);
    const globex = await new ApiClient(cluster.url, ADMIN_TOKEN).call<{ api_key: string }>('POST', '/tenants', {
      id: `globex-${uniqueSuffix()}`,
      name: 'Globex',
    });
    globexKey = globex.body.api_key;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await crm.stop();
    await flaky.stop();
  });

  it('is served by the api with a Content-Security-Policy that allows no inline script', async () => {
    const response = await page.goto(at('/'));
    expect(response?.status()).toBe(200);
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).toContain("frame-ancestors 'none'");
    const inlineScripts = await page.evaluate(
      "[...document.querySelectorAll('script')].filter((script) => !script.src).length",
    );
    expect(inlineScripts).toBe(0);
    await page.getByRole('heading', { name: 'Sign in to Flowline' }).waitFor();
  });

  it('signs in with the API key, which the browser does not keep, and protects changes against forgery', async () => {
    await page.getByLabel('API key').fill('flk_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('api_key is not the API key of any tenant').waitFor();
    await signIn(page, acme.key);
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'flowline_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).not.toContain(acme.key);
    const stored = await page.evaluate('JSON.stringify([document.cookie, { ...localStorage }, { ...sessionStorage }])');
    expect(stored).toBe('["",{},{}]');
    // The cookie alone does not change anything: a request without the session's CSRF token is refused.
    const forged = await page.evaluate(
      "fetch('/tags', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'forged', label: 'F', objects: ['event'] }) }).then((r) => r.status)",
    );
    expect(forged).toBe(403);
    expect((await acme.api.call('GET', '/tags/forged')).status).toBe(404);
  });

  it("shows the API's messages next to the fields and keeps what was typed", async () => {
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('link', { name: 'New connection' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Typo CRM');
    await page.getByLabel('URL').fill('crm.example');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const urlErrors = page.locator('.field', { has: page.getByLabel('URL') }).locator('.field-errors');
    await expect(urlErrors.textContent()).resolves.toMatch(/^url must be/);
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('Typo CRM');
    await expect(page.getByLabel('URL').inputValue()).resolves.toBe('crm.example');
  });

  it('configures a connection, a mapping (with its live preview) and a flow; the event arrives and shows in the activity feed', async () => {
    // The connection, with Save & Test.
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('link', { name: 'New connection' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Acme CRM');
    await page.getByLabel('URL').fill(`${crm.url}/hooks/crm`);
    await page.getByLabel('Type', { exact: true }).selectOption('bearer');
    await page.getByLabel('Token', { exact: true }).fill('crm-token-123');
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header 1 name').fill('X-Company-ID');
    await page.getByLabel('Header 1 value').fill('company_12345');
    await page.getByRole('button', { name: 'Save & Test' }).click();
    await page.getByText('Test succeeded').waitFor();
    expect(crm.requests[0]!.headers).toMatchObject({
      authorization: 'Bearer crm-token-123',
      'x-company-id': 'company_12345',
    });
    // The secret is write-only: the form shows it saved, never its value.
    await expect(page.getByLabel('Token', { exact: true }).inputValue()).resolves.toBe('');
    await expect(page.getByLabel('Token', { exact: true }).getAttribute('placeholder')).resolves.toContain('saved');

    // The mapping: the preview follows each keystroke, errors included.
    await page.getByRole('link', { name: 'Mappings' }).click();
    await page.getByRole('link', { name: 'New mapping' }).click();
    await page.getByLabel('Name', { exact: true }).fill('CRM contact');
    const first = page.getByRole('group', { name: 'Target field 1' });
    await first.getByLabel('Target').fill('email');
    await first.getByLabel('Source').fill('profile.phone');
    await first.getByText('Value map, default, required').click();
    await first.getByRole('checkbox', { name: 'Required' }).check();
    // The sample has no phone: a required target without a value is an error, shown as it is typed.
    await page.locator('.preview-errors').getByText(/email/).waitFor();
    await first.getByLabel('Source').fill('email');
    await page.locator('.payload').getByText('"email": "john.doe@example.com"').waitFor();
    await page.locator('.preview-errors').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Add target field' }).click();
    const second = page.getByRole('group', { name: 'Target field 2' });
    await second.getByLabel('Target').fill('contact.name');
    await second.getByLabel('Value from').selectOption('template');
    await second.getByLabel('Template').fill('{{profile.first_name}} {{profile.last_name}}');
    await second.getByRole('checkbox', { name: 'upper' }).check();
    await page.locator('.payload').getByText('"name": "JOHN DOE"').waitFor();
    expect(await page.locator('.preview-errors').count()).toBe(0);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();

    // The flow.
    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('link', { name: 'New flow' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Registrations to CRM');
    await page.getByLabel('Watch').selectOption('registration_create_update');
    await page.getByLabel('Connection').selectOption({ label: 'Acme CRM' });
    await page.getByLabel('Payload mapping').selectOption({ label: 'CRM contact' });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved. The flow is complete.').waitFor();
    await page.getByRole('link', { name: 'Flows' }).click();
    const row = page.getByRole('row', { name: /Registrations to CRM/ });
    await row.getByText('Complete').waitFor();
    await row.getByText('Live').waitFor();
    await expect(row.getByRole('switch').getAttribute('aria-checked')).resolves.toBe('true');

    // An event produced upstream. A flow is in force within seconds of its change (docs/CONTRACT.md §6):
    // the registration is produced again, with a new id, until the first one arrives.
    const subject = `att-${uniqueSuffix()}`;
    let sequence = 0;
    const before = crm.requests.length;
    await eventually(
      'the flow made in the console delivers',
      async () => {
        sequence += 1;
        const event = registrationEvent(acme.id, subject, sequence, {
          profile: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
        });
        await kafka.produceJson(topics.of(Topic.Ingest), [{ key: `${acme.id}:${subject}`, value: event }]);
        return await crm.waitForCount(before + 1, 1000).then(
          () => true,
          () => undefined,
        );
      },
      30_000,
    );
    const delivered = crm.requests[before]!;
    expect(JSON.parse(delivered.body)).toEqual({ email: 'ada@example.com', contact: { name: 'ADA LOVELACE' } });
    expect(delivered.headers).toMatchObject({ authorization: 'Bearer crm-token-123', 'x-company-id': 'company_12345' });

    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByLabel('Subject').fill(subject);
    const delivery = page.locator('tr', { hasText: subject }).first();
    await delivery.getByText('succeeded').waitFor();
    await delivery.getByText('Registrations to CRM').waitFor();
    await delivery.getByRole('button', { name: /1 attempt/ }).click();
    await page.locator('.attempts').getByRole('cell', { name: '200', exact: true }).waitFor();
  });

  it('submits a failed delivery from the retry queue once the receiver is fixed, and it arrives', async () => {
    const subject = `buyer-${uniqueSuffix()}`;
    const event = { ...registrationEvent(acme.id, subject, 1), type: 'contract.purchased' };
    await kafka.produceJson(topics.of(Topic.Ingest), [{ key: `${acme.id}:${subject}`, value: event }]);
    await flaky.waitForCount(1, 30_000);
    flaky.responder = () => ({ status: 200 });

    await page.getByRole('link', { name: 'Retry queue' }).click();
    await page.getByLabel('Status').selectOption('failed');
    const item = page.locator('.queue-item', { hasText: subject });
    await eventually('the abandoned delivery is in the retry queue', async () => {
      if (await item.count()) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return undefined;
    });
    await item.getByRole('button', { name: `Details of ${subject}` }).click();
    await item.locator('.attempts').getByRole('cell', { name: '503', exact: true }).waitFor();
    await item.getByRole('button', { name: 'Submit to Retry Queue' }).click();
    // The list then reloads, and the item (no longer failed) may leave it with its notice before the
    // notice is seen: the evidence is the receiver's second request.
    await flaky.waitForCount(2, 30_000);
    expect(JSON.parse(flaky.requests[1]!.body)).toEqual({ lead: subject });
    await eventually('the submitted delivery succeeded', async () => {
      const listed = await acme.api.call<{ deliveries: Array<{ status: string }> }>(
        'GET',
        `/deliveries?subject=${subject}`,
      );
      return listed.body.deliveries[0]?.status === 'succeeded' ? true : undefined;
    });
  });

  it('shows the figures GET /insights answers for the same period', async () => {
    await page.getByRole('link', { name: 'Insights' }).click();
    const from = await page.locator('.period time').first().getAttribute('datetime');
    const to = await page.locator('.period time').last().getAttribute('datetime');
    const api = await acme.api.call<Record<string, unknown>>('GET', `/insights?from=${from}&to=${to}&live=true`);
    expect(api.status).toBe(200);
    const figures = await page.evaluate<Array<[string, number]>>(
      "[...document.querySelectorAll('[data-figure]')].map((node) => [node.dataset.figure, Number(node.textContent.replace(/\\D/g, ''))])",
    );
    expect(figures.length).toBe(11);
    for (const [name, value] of figures) expect([name, value]).toEqual([name, api.body[name]]);
    expect(api.body.actions_triggered).toBeGreaterThanOrEqual(2);
    expect(api.body.deliveries_succeeded).toBeGreaterThanOrEqual(2);
  });

  it("does not show one tenant's objects to another", async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const globex = await other.newPage();
    await signIn(globex, globexKey);
    await globex.getByText('No flows yet.').waitFor();
    await globex.getByRole('link', { name: 'Connections' }).click();
    await globex.getByText('No connections yet.').waitFor();
    const [acmeConnection] = (await acme.api.call<{ connections: Array<{ id: string }> }>('GET', '/connections')).body
      .connections;
    await globex.goto(at(`/connections/${acmeConnection!.id}`));
    await globex.getByText(`connection ${acmeConnection!.id} not found`).waitFor();
    await globex.getByRole('link', { name: 'Activity' }).click();
    await globex.getByText('No deliveries match these filters.').waitFor();
    await other.close();
  });

  it('has no serious or critical accessibility violations on any page, at 1280 and 390 pixels wide', async () => {
    const flows = (await acme.api.call<{ flows: Array<{ id: string }> }>('GET', '/flows')).body.flows;
    const mappings = (await acme.api.call<{ mappings: Array<{ id: string }> }>('GET', '/mappings')).body.mappings;
    const connections = (await acme.api.call<{ connections: Array<{ id: string }> }>('GET', '/connections')).body
      .connections;
    const pages: Array<[string, string]> = [
      ['flows', '/flows'],
      ['flow-editor', `/flows/${flows[0]!.id}`],
      ['replay', `/flows/${flows[0]!.id}/replay`],
      ['connections', '/connections'],
      ['connection-editor', `/connections/${connections[connections.length - 1]!.id}`],
      ['mappings', '/mappings'],
      ['mapping-editor', `/mappings/${mappings[mappings.length - 1]!.id}`],
      ['tags', '/tags'],
      ['sequences', '/sequences'],
      ['sequence-editor', '/sequences/new'],
      ['insights', '/insights'],
      ['activity', '/activity'],
      ['retry-queue', '/retry-queue'],
    ];
    const found: string[] = [];
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, path] of pages) {
        await page.goto(at(path));
        await page.locator('main h1').first().waitFor();
        // A locator, not waitForFunction: that evaluates a string in the page, which its CSP forbids.
        await page.locator('.loading').first().waitFor({ state: 'detached' });
        for (const violation of await seriousAxeViolations(page))
          found.push(
            `${path} at ${width}px: ${violation.id} (${violation.impact}) ${violation.help} ${JSON.stringify(violation.nodes.map((n) => n.target))}`,
          );
        // Readable at this width: nothing wider than the window, so nothing scrolls sideways.
        const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
        if ((overflow as number) > 0) found.push(`${path} at ${width}px: ${String(overflow)} px wider than the window`);
        if (SCREENSHOTS && SCREENSHOT_PAGES.has(name)) {
          mkdirSync(join(__dirname, '..', 'docs', 'console'), { recursive: true });
          await page.screenshot({
            path: join(__dirname, '..', 'docs', 'console', `${name}-${width}.png`),
            fullPage: true,
          });
        }
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(found).toEqual([]);
  });

  it('is usable with the keyboard alone', async () => {
    await page.goto(at('/flows'));
    await page.getByRole('heading', { level: 1, name: 'Flows' }).waitFor();
    // A page starts with its heading focused; the next Tab reaches its first control.
    await expect(page.evaluate('document.activeElement.textContent')).resolves.toBe('Flows');
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement.textContent')).resolves.toBe('New flow');
    // Back through the navigation to Connections, followed with Enter: focus lands on the new page's heading.
    for (let step = 0; step < 20; step += 1) {
      if ((await page.evaluate('document.activeElement.textContent')) === 'Connections') break;
      await page.keyboard.press('Shift+Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    await expect(page.evaluate('document.activeElement.tagName')).resolves.toBe('H1');
  });

  it('signs out for good', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Flowline' }).waitFor();
    await page.goto(at('/flows'));
    await page.getByRole('heading', { name: 'Sign in to Flowline' }).waitFor();
    expect((await context.cookies()).filter((c) => c.name === 'flowline_session' && c.value !== '')).toEqual([]);
  });
});
