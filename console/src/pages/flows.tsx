import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Flow, FlowBody } from '../api/types';
import { usePage } from '../components/pager';
import { Empty, Loader, messagesOf, useLoad } from '../components/status';
import { FormErrors } from '../components/form';
import { Link } from '../router';

/** The body of a stored flow, to PUT it back with one thing changed. */
export function flowBodyOf(flow: Flow): FlowBody {
  return {
    name: flow.name,
    live: flow.live,
    active: flow.active,
    ...(flow.source ? { source: flow.source } : {}),
    ...(flow.activate_for ? { activate_for: flow.activate_for } : {}),
    ...(flow.filters ? { filters: flow.filters } : {}),
    ...(flow.destination ? { destination: flow.destination } : {}),
  };
}

export function FlowsPage() {
  const state = useLoad(() => api.get<{ flows: Flow[] }>('/flows'), []);
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Flows</h1>
        <Link class="button" href="/flows/new">
          New flow
        </Link>
      </div>
      <p class="lead">What to watch, whom to activate for, and where to send it. Only active, complete flows run.</p>
      <Loader state={state} what="flows">
        {(data) => <FlowList flows={data.flows} />}
      </Loader>
    </section>
  );
}

function FlowList({ flows: loaded }: { flows: Flow[] }) {
  const [flows, setFlows] = useState(loaded);
  const [errors, setErrors] = useState<string[]>([]);
  const { rows, pager } = usePage(flows);
  if (!flows.length)
    return (
      <Empty>
        No flows yet. <Link href="/flows/new">Create the first one</Link>.
      </Empty>
    );

  async function toggle(flow: Flow): Promise<void> {
    setErrors([]);
    try {
      const changed = await api.put<Flow>(`/flows/${flow.id}`, { ...flowBodyOf(flow), active: !flow.active });
      setFlows(flows.map((old) => (old.id === changed.id ? changed : old)));
    } catch (error) {
      setErrors(messagesOf(error));
    }
  }

  return (
    <>
      <FormErrors messages={errors} />
      <table>
        <caption class="visually-hidden">Flows</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Mode</th>
            <th scope="col">Completeness</th>
            <th scope="col">Active</th>
            <th scope="col">Replay</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((flow) => (
            <tr key={flow.id}>
              <td>
                <Link href={`/flows/${flow.id}`}>{flow.name}</Link>
              </td>
              <td>
                <span class={`badge ${flow.live ? 'ok' : 'info'}`}>{flow.live ? 'Live' : 'Test'}</span>
              </td>
              <td>
                {flow.complete ? (
                  <span class="badge ok">Complete</span>
                ) : (
                  <span class="badge warn">Missing {flow.missing.join(', ')}</span>
                )}
              </td>
              <td>
                <button
                  type="button"
                  role="switch"
                  class="switch"
                  aria-checked={flow.active}
                  aria-label={`Active: ${flow.name}`}
                  onClick={() => void toggle(flow)}
                >
                  {flow.active ? 'On' : 'Off'}
                </button>
              </td>
              <td>
                <Link href={`/flows/${flow.id}/replay`}>Replay {flow.name}</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pager}
    </>
  );
}
