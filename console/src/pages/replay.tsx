import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Flow, Replay } from '../api/types';
import { toLocalInput, toRfc3339 } from '../components/datetime';
import { FormErrors, TextField, splitErrors } from '../components/form';
import { Loader, messagesOf, useLoad } from '../components/status';
import { Link } from '../router';

/** Replay (CONTRACT §6): the flow re-run over a period of the event log, or over one event, with its progress. */
export function ReplayPage({ flowId }: { flowId: string }) {
  const flow = useLoad(() => api.get<Flow>(`/flows/${flowId}`), [flowId]);
  const [from, setFrom] = useState(toLocalInput(new Date(Date.now() - 24 * 3600_000)));
  const [to, setTo] = useState(toLocalInput(new Date()));
  const [eventId, setEventId] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [replay, setReplay] = useState<Replay | undefined>(undefined);

  useEffect(() => {
    if (!replay || replay.finished_at) return;
    const timer = setTimeout(() => {
      api.get<Replay>(`/replays/${replay.id}`).then(setReplay, (error: unknown) => setErrors(messagesOf(error)));
    }, 1000);
    return () => clearTimeout(timer);
  }, [replay]);

  const { byField, general } = splitErrors(errors, ['from', 'to', 'event_id']);
  return (
    <section>
      <Loader state={flow} what="the flow">
        {(loaded) => (
          <>
            <h1 tabIndex={-1}>Replay {loaded.name}</h1>
            <p class="lead">
              Re-runs this flow over the events of a period (or one event) as if it had been configured then. Replayed
              deliveries carry the webhook-id a live run would. <Link href={`/flows/${flowId}`}>Back to the flow</Link>
            </p>
            <form
              noValidate
              class="editor"
              onSubmit={(event) => {
                event.preventDefault();
                setErrors([]);
                api
                  .post<Replay>(`/flows/${flowId}/replay`, {
                    from: toRfc3339(from),
                    to: toRfc3339(to),
                    ...(eventId.trim() ? { event_id: eventId.trim() } : {}),
                  })
                  .then(setReplay, (error: unknown) => setErrors(messagesOf(error)));
              }}
            >
              <div class="row">
                <TextField label="From" type="datetime-local" value={from} onInput={setFrom} errors={byField.from} />
                <TextField label="To" type="datetime-local" value={to} onInput={setTo} errors={byField.to} />
              </div>
              <TextField
                label="Only this event id (optional)"
                value={eventId}
                onInput={setEventId}
                errors={byField.event_id}
              />
              <FormErrors messages={general} />
              <button type="submit" disabled={replay !== undefined && !replay.finished_at}>
                Replay
              </button>
            </form>
            {replay && <ReplayProgress replay={replay} />}
          </>
        )}
      </Loader>
    </section>
  );
}

function ReplayProgress({ replay }: { replay: Replay }) {
  const done = replay.finished_at !== null;
  return (
    <div class="replay-progress" role="status">
      <label for="replay-progress">
        {done ? `Replay ${replay.status}` : 'Replaying…'}: {replay.events_read} events read, {replay.actions_produced}{' '}
        actions
      </label>
      {done ? (
        <progress id="replay-progress" value={1} max={1} />
      ) : (
        <progress id="replay-progress" aria-valuetext={`${replay.events_read} events read`} />
      )}
      {replay.error && <p class="field-errors">{replay.error}</p>}
    </div>
  );
}
