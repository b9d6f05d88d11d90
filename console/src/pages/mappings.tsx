import { api } from '../api/client';
import type { Mapping } from '../api/types';
import { formatTime } from '../components/format';
import { usePage } from '../components/pager';
import { Empty, Loader, useLoad } from '../components/status';
import { Link } from '../router';

export function MappingsPage() {
  const state = useLoad(() => api.get<{ mappings: Mapping[] }>('/mappings'), []);
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Mappings</h1>
        <Link class="button" href="/mappings/new">
          New mapping
        </Link>
      </div>
      <p class="lead">How each target field of a webhook is built from an event.</p>
      <Loader state={state} what="mappings">
        {(data) => <MappingList mappings={data.mappings} />}
      </Loader>
    </section>
  );
}

function MappingList({ mappings }: { mappings: Mapping[] }) {
  const { rows, pager } = usePage(mappings);
  if (!mappings.length)
    return (
      <Empty>
        No mappings yet. <Link href="/mappings/new">Create the first one</Link>.
      </Empty>
    );
  return (
    <>
      <table>
        <caption class="visually-hidden">Mappings</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Target fields</th>
            <th scope="col">Changed</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((mapping) => (
            <tr key={mapping.id}>
              <td>
                <Link href={`/mappings/${mapping.id}`}>{mapping.name}</Link>
              </td>
              <td class="wrap">{mapping.fields.map((field) => field.target).join(', ')}</td>
              <td>{formatTime(mapping.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pager}
    </>
  );
}
