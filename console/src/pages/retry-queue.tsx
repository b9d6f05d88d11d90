import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Attempt, QueueCategory, QueueStatus, RetryQueueItem } from '../api/types';
import { AttemptLog } from '../components/attempt-log';
import { formatTime } from '../components/format';
import { FormErrors, SelectField } from '../components/form';
import { Empty, Loader, messagesOf, useLoad } from '../components/status';
import { badgeOf } from './activity';

const STATUSES: Array<{ value: '' | QueueStatus; label: string }> = [
  { value: '', label: 'Any status' },
  { value: 'retry', label: 'Retry (waiting)' },
  { value: 'error', label: 'Error (failed)' },
  { value: 'failed', label: 'Failed (abandoned)' },
  { value: 'done', label: 'Done' },
];
const CATEGORIES: Array<{ value: '' | QueueCategory; label: string }> = [
  { value: '', label: 'Any category' },
  ...(['general', 'system', 'config', 'connection', 'validation'] as const).map((value) => ({ value, label: value })),
];
const INTEGRATIONS = [
  { value: '', label: 'Any integration' },
  { value: 'webhook', label: 'Webhook' },
  { value: 'email', label: 'Email' },
];

interface Page {
  items: RetryQueueItem[];
  next_cursor: string | null;
}

/** The retry queue (CONTRACT §8): what waits or failed, each item's attempts, and Submit to Retry Queue. */
export function RetryQueuePage() {
  const query = new URLSearchParams(location.search);
  const [status, setStatus] = useState<'' | QueueStatus>((query.get('status') as QueueStatus | null) ?? '');
  const [category, setCategory] = useState<'' | QueueCategory>('');
  const [integration, setIntegration] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const state = useLoad(
    () =>
      api.get<Page>('/retry-queue', {
        status: status || undefined,
        category: category || undefined,
        integration: integration || undefined,
        cursor,
        limit: 25,
      }),
    [status, category, integration, cursor],
  );
  const refilter = (change: () => void) => {
    setCursors([]);
    change();
  };
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Retry queue</h1>
        <button type="button" class="secondary" onClick={state.reload}>
          Refresh
        </button>
      </div>
      <form
        noValidate
        class="filters"
        role="search"
        aria-label="Filter the retry queue"
        onSubmit={(event) => event.preventDefault()}
      >
        <SelectField
          label="Integration"
          value={integration}
          options={INTEGRATIONS}
          onChange={(value) => refilter(() => setIntegration(value))}
        />
        <SelectField
          label="Status"
          value={status}
          options={STATUSES}
          onChange={(value) => refilter(() => setStatus(value))}
        />
        <SelectField
          label="Category"
          value={category}
          options={CATEGORIES}
          onChange={(value) => refilter(() => setCategory(value))}
        />
      </form>
      <Loader state={state} what="the retry queue">
        {(page) => (
          <>
            <QueueList items={page.items} onChanged={state.reload} />
            <nav class="pager" aria-label="Pages">
              <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous
              </button>
              <button
                type="button"
                disabled={!page.next_cursor}
                onClick={() => page.next_cursor && setCursors([...cursors, page.next_cursor])}
              >
                Next
              </button>
            </nav>
          </>
        )}
      </Loader>
    </section>
  );
}

function QueueList({ items, onChanged }: { items: RetryQueueItem[]; onChanged: () => void }) {
  const [open, setOpen] = useState<string | undefined>(undefined);
  if (!items.length) return <Empty>Nothing in the retry queue matches these filters.</Empty>;
  return (
    <ul class="queue">
      {items.map((item) => (
        <li key={item.id} class="queue-item" data-item={item.id}>
          <div class="queue-summary">
            <span class={`badge ${badgeOf(item.status)}`}>{item.status}</span>
            <span>{item.category ?? 'no category'}</span>
            <span>{item.integration}</span>
            <span class="wrap">{item.subject}</span>
            <span class="wrap">{item.event_type}</span>
            <span>{item.last_status_code ?? item.last_error ?? ''}</span>
            <button
              type="button"
              class="secondary"
              aria-expanded={open === item.id}
              onClick={() => setOpen(open === item.id ? undefined : item.id)}
            >
              Details of {item.subject}
            </button>
          </div>
          {open === item.id && <QueueItemDetails id={item.id} onChanged={onChanged} />}
        </li>
      ))}
    </ul>
  );
}

function QueueItemDetails({ id, onChanged }: { id: string; onChanged: () => void }) {
  const state = useLoad(() => api.get<RetryQueueItem & { attempt_log: Attempt[] }>(`/retry-queue/${id}`), [id]);
  const [errors, setErrors] = useState<string[]>([]);
  const [notice, setNotice] = useState('');
  return (
    <Loader state={state} what="the item">
      {(item) => (
        <div class="queue-details">
          <dl>
            <dt>Delivery status</dt>
            <dd>{item.delivery_status}</dd>
            <dt>Attempts</dt>
            <dd>
              {item.attempts} ({item.retry_count} retries)
            </dd>
            <dt>Next attempt</dt>
            <dd>{formatTime(item.next_attempt_at)}</dd>
            <dt>Queued</dt>
            <dd>{formatTime(item.queued_at)}</dd>
            <dt>Last error</dt>
            <dd class="wrap">{item.last_error ?? '—'}</dd>
          </dl>
          <AttemptLog attempts={item.attempt_log} />
          <FormErrors messages={errors} />
          <button
            type="button"
            onClick={() => {
              setErrors([]);
              api.post(`/retry-queue/${id}/submit`).then(
                () => {
                  setNotice('Submitted: it is at the front of the queue for an attempt now.');
                  state.reload();
                  onChanged();
                },
                (error: unknown) => setErrors(messagesOf(error)),
              );
            }}
          >
            Submit to Retry Queue
          </button>
          <p role="status" class="notice">
            {notice}
          </p>
        </div>
      )}
    </Loader>
  );
}
