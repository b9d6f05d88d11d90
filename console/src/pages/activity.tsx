import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Attempt, Delivery, Flow } from '../api/types';
import { AttemptLog } from '../components/attempt-log';
import { toRfc3339 } from '../components/datetime';
import { formatTime } from '../components/format';
import { SelectField, TextField } from '../components/form';
import { usePage } from '../components/pager';
import { Empty, Loader, useLoad } from '../components/status';

const STATUSES = ['succeeded', 'failed', 'retrying', 'held', 'sending', 'abandoned'];

interface Filters {
  flow: string;
  status: string;
  subject: string;
  from: string;
  to: string;
}

/** Filters a user can arrive with from a figure of Insights (`?status=failed&from=…`). */
function filtersFromAddress(): Filters {
  const query = new URLSearchParams(location.search);
  return {
    flow: query.get('flow') ?? '',
    status: query.get('status') ?? '',
    subject: query.get('subject') ?? '',
    from: '',
    to: '',
  };
}

/** The activity feed (CONTRACT §8): every delivery, newest first, and each one's attempts. */
export function ActivityPage() {
  const [filters, setFilters] = useState<Filters>(filtersFromAddress);
  const query = new URLSearchParams(location.search);
  const fromIso = toRfc3339(filters.from) ?? query.get('from') ?? undefined;
  const toIso = toRfc3339(filters.to) ?? query.get('to') ?? undefined;
  const flows = useLoad(() => api.get<{ flows: Flow[] }>('/flows'), []);
  const state = useLoad(
    () =>
      api.get<{ deliveries: Delivery[] }>('/deliveries', {
        flow: filters.flow || undefined,
        status: filters.status || undefined,
        subject: filters.subject.trim() || undefined,
        from: fromIso,
        to: toIso,
        limit: 500,
      }),
    [filters.flow, filters.status, filters.subject, fromIso, toIso],
  );
  const set = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch });
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Activity</h1>
        <button type="button" class="secondary" onClick={state.reload}>
          Refresh
        </button>
      </div>
      <form
        noValidate
        class="filters"
        role="search"
        aria-label="Filter deliveries"
        onSubmit={(event) => event.preventDefault()}
      >
        <SelectField
          label="Flow"
          value={filters.flow}
          options={[
            { value: '', label: 'All flows' },
            ...(flows.data?.flows ?? []).map((flow) => ({ value: flow.id, label: flow.name })),
          ]}
          onChange={(flow) => set({ flow })}
        />
        <SelectField
          label="Status"
          value={filters.status}
          options={[
            { value: '', label: 'Any status' },
            ...STATUSES.map((status) => ({ value: status, label: status })),
          ]}
          onChange={(status) => set({ status })}
        />
        <TextField label="Subject" value={filters.subject} onInput={(subject) => set({ subject })} />
        <TextField label="From" type="datetime-local" value={filters.from} onInput={(from) => set({ from })} />
        <TextField label="To" type="datetime-local" value={filters.to} onInput={(to) => set({ to })} />
      </form>
      <Loader state={state} what="deliveries">
        {(data) => <DeliveryList deliveries={data.deliveries} flows={flows.data?.flows ?? []} />}
      </Loader>
    </section>
  );
}

function DeliveryList({ deliveries, flows }: { deliveries: Delivery[]; flows: Flow[] }) {
  const { rows, pager } = usePage(deliveries, 25);
  const [open, setOpen] = useState<string | undefined>(undefined);
  if (!deliveries.length) return <Empty>No deliveries match these filters.</Empty>;
  const flowName = (id: string | null) =>
    flows.find((flow) => flow.id === id)?.name ?? (id ? 'a removed flow' : 'a sequence');
  return (
    <>
      <table class="feed">
        <caption class="visually-hidden">Deliveries</caption>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Subject</th>
            <th scope="col">Event</th>
            <th scope="col">Flow</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((delivery) => (
            <>
              <tr key={delivery.id} data-delivery={delivery.id}>
                <td>{formatTime(delivery.created_at)}</td>
                <td class="wrap">{delivery.subject}</td>
                <td class="wrap">{delivery.event_type}</td>
                <td>{flowName(delivery.flow_id)}</td>
                <td>
                  <span class={`badge ${badgeOf(delivery.status)}`}>{delivery.status}</span>
                  {delivery.last_status_code ? ` (${delivery.last_status_code})` : ''}
                </td>
                <td>
                  <button
                    type="button"
                    class="secondary"
                    aria-expanded={open === delivery.id}
                    onClick={() => setOpen(open === delivery.id ? undefined : delivery.id)}
                  >
                    {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
                  </button>
                </td>
              </tr>
              {open === delivery.id && (
                <tr key={`${delivery.id}-attempts`}>
                  <td colSpan={6}>
                    <Attempts id={delivery.id} />
                  </td>
                </tr>
              )}
            </>
          ))}
        </tbody>
      </table>
      {pager}
    </>
  );
}

function Attempts({ id }: { id: string }) {
  const state = useLoad(() => api.get<{ attempt_log: Attempt[] }>(`/deliveries/${id}`), [id]);
  return (
    <Loader state={state} what="attempts">
      {(data) => <AttemptLog attempts={data.attempt_log} />}
    </Loader>
  );
}

export function badgeOf(status: string): string {
  if (status === 'succeeded' || status === 'done') return 'ok';
  if (status === 'failed' || status === 'abandoned' || status === 'error') return 'bad';
  return 'warn';
}
