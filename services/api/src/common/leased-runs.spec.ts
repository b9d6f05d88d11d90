import pino from 'pino';
import { LeasedRow, LeasedRuns, LeasedWork, MAX_TAKEOVERS } from './leased-runs';

/** Leased work that records what was done with its rows; runs last until stopped. */
function recordingWork(expired: LeasedRow[]) {
  const done: string[] = [];
  const work: LeasedWork<LeasedRow> = {
    name: 'job',
    logKey: 'jobId',
    takeOverExpired: (running) => Promise.resolve(expired.filter((row) => !running.includes(row.id))),
    release: (row) => Promise.resolve(done.push(`released ${row.id}`)),
    fail: (row, error) => Promise.resolve(done.push(`failed ${row.id}: ${error}`)),
    resume: (row, stop) =>
      new Promise<void>((resolve) => {
        done.push(`resumed ${row.id}`);
        stop.addEventListener('abort', () => resolve(void done.push(`stopped ${row.id}`)));
      }),
  };
  return { work, done };
}

const row = (id: string, takeovers: number): LeasedRow => ({ id, tenant_id: 't', takeovers });

async function settled(done: string[], count: number): Promise<void> {
  while (done.length < count) await new Promise((resolve) => setImmediate(resolve));
}

describe('LeasedRuns', () => {
  it('resumes work whose runner died, fails work taken over too often, and stops what it runs', async () => {
    const { work, done } = recordingWork([row('a', 1), row('b', MAX_TAKEOVERS + 1)]);
    const runs = new LeasedRuns(work, 60_000, pino({ enabled: false }));
    runs.begin();
    await settled(done, 2);
    expect(done).toEqual([
      'resumed a',
      `failed b: the api process running it stopped ${MAX_TAKEOVERS + 1} times; start the job again`,
    ]);
    await runs.stop();
    expect(done).toEqual([...done.slice(0, 2), 'stopped a']);
  });

  it('stops a run it started itself, and waits for it to end', async () => {
    const { work, done } = recordingWork([]);
    const runs = new LeasedRuns(work, 60_000, pino({ enabled: false }));
    let ended = false;
    runs.start(
      'c',
      (stop) =>
        new Promise<void>((resolve) =>
          stop.addEventListener('abort', () => {
            ended = true;
            resolve();
          }),
        ),
    );
    await runs.stop();
    expect(ended).toBe(true);
    expect(done).toEqual([]);
  });
});
