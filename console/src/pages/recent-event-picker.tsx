import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { RecentEvent, RecentEventList } from '../api/types';
import { SelectField } from '../components/form';
import { formatTime } from '../components/format';
import { Empty, Loading, messagesOf } from '../components/status';

/** The event as a producer would send it: what the preview takes (its tenant is the signed-in one). */
function sampleOf(event: RecentEvent): Record<string, unknown> {
  const { id, type, subject, time, source, test, data } = event;
  return { id, type, subject, time, ...(source === null ? {} : { source }), test, data };
}

function coverage(list: RecentEventList): string | undefined {
  if (list.scan.complete) return undefined;
  return list.scan.stopped_early === 'time_limit'
    ? 'Reading the event log took too long, so only part of it was read: some events may be missing.'
    : `The event log holds more than one answer reads: events received before ${formatTime(list.scan.unread_before)} may be missing.`;
}

/**
 * Picks the live preview's sample from the tenant's recent events (`GET /events`, the last day,
 * newest first), loaded when asked: each load reads the event log.
 */
export function RecentEventPicker({ onPick }: { onPick: (event: Record<string, unknown>) => void }) {
  const [list, setList] = useState<RecentEventList | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [chosen, setChosen] = useState('');
  const load = () => {
    setLoading(true);
    setError(undefined);
    api.get<RecentEventList>('/events', { limit: 20 }).then(
      (loaded) => {
        setList(loaded);
        setChosen('');
        setLoading(false);
      },
      (failure: unknown) => {
        setError(messagesOf(failure).join('; '));
        setLoading(false);
      },
    );
  };
  const note = list && coverage(list);
  return (
    <div class="recent-events">
      <button type="button" class="secondary" disabled={loading} onClick={load}>
        {list ? 'Reload recent events' : 'Load recent events'}
      </button>
      {loading && <Loading what="recent events" />}
      {error && (
        <p class="field-errors" role="alert">
          {error}
        </p>
      )}
      {list && !loading && list.events.length === 0 && <Empty>No events received in the last day.</Empty>}
      {list && list.events.length > 0 && (
        <SelectField
          label="Recent event"
          value={chosen}
          options={[
            { value: '', label: `— one of the ${list.events.length} newest —` },
            ...list.events.map((event, index) => ({
              value: String(index),
              label: `${event.type} · ${event.subject} · ${formatTime(event.received_at)}`,
            })),
          ]}
          onChange={(value) => {
            setChosen(value);
            const event = list.events[Number(value)];
            if (value !== '' && event) onPick(sampleOf(event));
          }}
        />
      )}
      {note && <p class="hint">{note}</p>}
    </div>
  );
}
