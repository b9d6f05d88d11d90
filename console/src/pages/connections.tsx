import { api } from '../api/client';
import type { Connection } from '../api/types';
import { usePage } from '../components/pager';
import { Empty, Loader, useLoad } from '../components/status';
import { Link } from '../router';

export function ConnectionsPage() {
  const state = useLoad(() => api.get<{ connections: Connection[] }>('/connections'), []);
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Connections</h1>
        <Link class="button" href="/connections/new">
          New connection
        </Link>
      </div>
      <p class="lead">Where webhooks go: the URL, method, content type, authentication and headers.</p>
      <Loader state={state} what="connections">
        {(data) => <ConnectionList connections={data.connections} />}
      </Loader>
    </section>
  );
}

function ConnectionList({ connections }: { connections: Connection[] }) {
  const { rows, pager } = usePage(connections);
  if (!connections.length)
    return (
      <Empty>
        No connections yet. <Link href="/connections/new">Create the first one</Link>.
      </Empty>
    );
  return (
    <>
      <table>
        <caption class="visually-hidden">Connections</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">URL</th>
            <th scope="col">Authentication</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((connection) => (
            <tr key={connection.id} class={connection.paused ? 'paused' : undefined}>
              <td>
                <Link href={`/connections/${connection.id}`}>{connection.name}</Link>
              </td>
              <td class="wrap">
                {connection.method} {connection.url}
              </td>
              <td>{connection.auth.type}</td>
              <td>
                {connection.paused ? (
                  <span class="badge warn" title={connection.paused.reason ?? undefined}>
                    Paused
                  </span>
                ) : (
                  <span class="badge ok">Running</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pager}
    </>
  );
}
