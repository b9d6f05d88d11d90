import type { Attempt } from '../api/types';
import { formatTime } from './format';

/** Every attempt of a delivery: when, the answer, how long it took, the error and the response's start. */
export function AttemptLog({ attempts }: { attempts: Attempt[] }) {
  if (!attempts.length) return <p class="hint">No attempt yet.</p>;
  return (
    <table class="attempts">
      <caption>Attempts</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Time</th>
          <th scope="col">Status</th>
          <th scope="col">Latency</th>
          <th scope="col">Error or response</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((attempt, index) => (
          <tr key={`${attempt.time}-${index}`}>
            <td>{index + 1}</td>
            <td>{formatTime(attempt.time)}</td>
            <td>{attempt.status_code ?? '—'}</td>
            <td>{attempt.latency_ms} ms</td>
            <td class="wrap">{attempt.error ?? attempt.response ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
