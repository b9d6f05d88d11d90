import { api } from '../api/client';
import type { CompletedSequence, Sequence } from '../api/types';
import { formatTime } from '../components/format';
import { usePage } from '../components/pager';
import { Empty, Loader, useLoad } from '../components/status';
import { Link } from '../router';

/** Sequence triggers (CONTRACT §7), and the sequences leads completed. */
export function SequencesPage() {
  const state = useLoad(() => api.get<{ sequences: Sequence[] }>('/sequences'), []);
  const completed = useLoad(() => api.get<{ sequence_events: CompletedSequence[] }>('/sequence-events'), []);
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Sequence triggers</h1>
        <Link class="button" href="/sequences/new">
          New sequence trigger
        </Link>
      </div>
      <Loader state={state} what="sequence triggers">
        {(data) =>
          data.sequences.length ? (
            <table>
              <caption class="visually-hidden">Sequence triggers</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Event types</th>
                  <th scope="col">Window</th>
                  <th scope="col">Active</th>
                </tr>
              </thead>
              <tbody>
                {data.sequences.map((sequence) => (
                  <tr key={sequence.id}>
                    <td>
                      <Link href={`/sequences/${sequence.id}`}>{sequence.name}</Link>
                    </td>
                    <td class="wrap">{sequence.event_types.join(sequence.ordered ? ' → ' : ', ')}</td>
                    <td>{sequence.window_unit ?? `${sequence.window_seconds} s`}</td>
                    <td>{sequence.active ? 'Yes' : 'No'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>
              No sequence triggers yet. <Link href="/sequences/new">Create the first one</Link>.
            </Empty>
          )
        }
      </Loader>
      <h2>Completed sequences</h2>
      <Loader state={completed} what="completed sequences">
        {(data) => <CompletedList events={data.sequence_events} />}
      </Loader>
    </section>
  );
}

export function CompletedList({ events }: { events: CompletedSequence[] }) {
  const { rows, pager } = usePage(events);
  if (!events.length) return <Empty>No lead has completed a sequence yet.</Empty>;
  return (
    <>
      <table>
        <caption class="visually-hidden">Completed sequences</caption>
        <thead>
          <tr>
            <th scope="col">Completed</th>
            <th scope="col">Lead</th>
            <th scope="col">Events</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((event) => (
            <tr key={event.id}>
              <td>{formatTime(event.completed_at)}</td>
              <td class="wrap">{event.lead_id}</td>
              <td class="wrap">{event.events.map((e) => e.event_type).join(' → ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pager}
    </>
  );
}
