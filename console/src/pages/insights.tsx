import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Connection, Delivery, Insights, QueueCategory, RetryQueueItem } from '../api/types';
import { SeriesChart } from '../components/bar-chart';
import { formatTime } from '../components/format';
import { SelectField } from '../components/form';
import { Loader, useLoad } from '../components/status';
import { Link } from '../router';

const PERIODS = [
  { value: '900', label: 'Last 15 minutes' },
  { value: '3600', label: 'Last hour' },
  { value: '14400', label: 'Last 4 hours' },
  { value: '86400', label: 'Last day' },
  { value: '604800', label: 'Last 7 days' },
  { value: '2592000', label: 'Last 30 days' },
];
const CATEGORIES: QueueCategory[] = ['general', 'system', 'config', 'connection', 'validation'];
const BUCKETS = 8;

type Figure = keyof Omit<Insights, 'from' | 'to' | 'live' | 'actions_not_triggered_by_reason'>;

const SUMMARY: Array<{ key: Figure; label: string }> = [
  { key: 'changes_processed', label: 'Changes processed' },
  { key: 'unique_registrations', label: 'Unique registrations' },
  { key: 'actions_triggered', label: 'Actions triggered' },
  { key: 'actions_not_triggered', label: 'Actions not triggered' },
  { key: 'active_flows', label: 'Active flows' },
];

const TROUBLESHOOTING: Array<{ key: Figure; label: string; drill: (period: Insights) => string }> = [
  {
    key: 'deliveries_succeeded',
    label: 'Deliveries succeeded',
    drill: (p) => `/activity?status=succeeded&from=${p.from}&to=${p.to}`,
  },
  {
    key: 'deliveries_failed',
    label: 'Deliveries failed',
    drill: (p) => `/activity?status=failed&from=${p.from}&to=${p.to}`,
  },
  { key: 'in_retry_queue', label: 'In retry queue', drill: () => '/retry-queue?status=retry' },
  { key: 'total_retried', label: 'Total retried', drill: (p) => `/activity?status=retrying&from=${p.from}&to=${p.to}` },
  {
    key: 'retried_abandoned',
    label: 'Retried and abandoned',
    drill: (p) => `/activity?status=abandoned&from=${p.from}&to=${p.to}`,
  },
  { key: 'validation_errors', label: 'Validation errors', drill: () => '/retry-queue?status=failed' },
];

interface Dashboard {
  figures: Insights;
  retriesOverTime: { labels: string[]; values: number[] };
  retriesByCategory: number[];
  perConnection: { labels: string[]; values: number[] };
}

/** Everything on the page comes from the public API: the figures, and the charts from the same endpoints over parts of the period. */
async function loadDashboard(seconds: number, live: string): Promise<Dashboard> {
  const to = new Date();
  const from = new Date(to.getTime() - seconds * 1000);
  const liveQuery = live === '' ? undefined : live;
  const bucketMs = (seconds * 1000) / BUCKETS;
  const edges = Array.from({ length: BUCKETS + 1 }, (_, index) => new Date(from.getTime() + index * bucketMs));
  const [figures, buckets, categories, deliveries, connections] = await Promise.all([
    api.get<Insights>('/insights', { from: from.toISOString(), to: to.toISOString(), live: liveQuery }),
    Promise.all(
      edges.slice(0, -1).map((start, index) =>
        api.get<Insights>('/insights', {
          from: start.toISOString(),
          to: edges[index + 1]!.toISOString(),
          live: liveQuery,
        }),
      ),
    ),
    Promise.all(
      CATEGORIES.map((category) => api.get<{ items: RetryQueueItem[] }>('/retry-queue', { category, limit: 1000 })),
    ),
    api.get<{ deliveries: Delivery[] }>('/deliveries', { from: from.toISOString(), to: to.toISOString(), limit: 1000 }),
    api.get<{ connections: Connection[] }>('/connections'),
  ]);
  const counts = new Map<string, number>();
  for (const delivery of deliveries.deliveries) {
    const name = connections.connections.find((c) => c.id === delivery.connection_id)?.name ?? 'Email and other';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return {
    figures,
    retriesOverTime: {
      labels: edges.slice(0, -1).map((edge) => edge.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
      values: buckets.map((bucket) => bucket.total_retried),
    },
    retriesByCategory: categories.map((page) => page.items.length),
    perConnection: { labels: [...counts.keys()], values: [...counts.values()] },
  };
}

export function InsightsPage() {
  const [period, setPeriod] = useState('86400');
  const [live, setLive] = useState('true');
  const state = useLoad(() => loadDashboard(Number(period), live), [period, live]);
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Insights</h1>
        <button type="button" class="secondary" onClick={state.reload}>
          Refresh
        </button>
      </div>
      <form noValidate class="filters" aria-label="Insights period" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Mode"
          value={live}
          options={[
            { value: 'true', label: 'Live' },
            { value: 'false', label: 'Test' },
            { value: '', label: 'Live and test' },
          ]}
          onChange={setLive}
        />
        <SelectField label="Period" value={period} options={PERIODS} onChange={setPeriod} />
      </form>
      <Loader state={state} what="insights">
        {(dashboard) => <DashboardView dashboard={dashboard} />}
      </Loader>
    </section>
  );
}

function DashboardView({ dashboard }: { dashboard: Dashboard }) {
  const { figures } = dashboard;
  return (
    <>
      <p class="period">
        From <time dateTime={figures.from}>{formatTime(figures.from)}</time> to{' '}
        <time dateTime={figures.to}>{formatTime(figures.to)}</time>
      </p>
      <h2>Summary</h2>
      <dl class="figures">
        {SUMMARY.map(({ key, label }) => (
          <div key={key} class="figure">
            <dt>{label}</dt>
            <dd data-figure={key}>{figures[key]}</dd>
          </div>
        ))}
      </dl>
      <h2>Troubleshooting</h2>
      <dl class="figures">
        {TROUBLESHOOTING.map(({ key, label, drill }) => (
          <div key={key} class="figure">
            <dt>{label}</dt>
            <dd data-figure={key}>
              <Link href={drill(figures)}>
                {figures[key]}
                <span class="visually-hidden"> — show these records</span>
              </Link>
            </dd>
          </div>
        ))}
      </dl>
      <div class="charts">
        <SeriesChart
          title="Retries over time"
          kind="line"
          labels={dashboard.retriesOverTime.labels}
          values={dashboard.retriesOverTime.values}
        />
        <SeriesChart title="Retries by category" kind="bar" labels={CATEGORIES} values={dashboard.retriesByCategory} />
        <SeriesChart
          title="Activity per connection"
          kind="bar"
          labels={dashboard.perConnection.labels}
          values={dashboard.perConnection.values}
        />
        <SeriesChart
          title="Actions not triggered by reason"
          kind="bar"
          labels={Object.keys(figures.actions_not_triggered_by_reason)}
          values={Object.values(figures.actions_not_triggered_by_reason)}
        />
      </div>
    </>
  );
}
