import type { Logger } from 'pino';

/**
 * Runners of one piece of work that may die before another api process gives up on it: work
 * that keeps killing its process (it cannot, by design, but a bug might) is failed rather than
 * resumed forever.
 */
export const MAX_TAKEOVERS = 3;

/** A row of work run under a lease (decision 0015): a replay, a recovery job. */
export interface LeasedRow {
  id: string;
  tenant_id: string;
  takeovers: number;
}

/** What `LeasedRuns` needs of one kind of leased work. */
export interface LeasedWork<Row extends LeasedRow> {
  /** What the work is called in log lines: "replay", "recovery job". */
  readonly name: string;
  /** The log field naming a row: `replayId`, `recoveryJobId`. */
  readonly logKey: string;
  /** Every row of this kind whose lease ran out, now leased to this process (not those it runs). */
  takeOverExpired(running: readonly string[]): Promise<Row[]>;
  /** Gives the row's lease up, for another process to take over. */
  release(row: Row): Promise<unknown>;
  /** Ends the row as failed with `error`, saying why to whoever started it. */
  fail(row: Row, error: string): Promise<unknown>;
  /** Runs the row to its end, or until `stop` (then it gives its lease up). */
  resume(row: Row, stop: AbortSignal): Promise<void>;
}

/**
 * The runs of one kind of leased work in this process (decision 0015): the ones it started or
 * took over, stopped and released at a graceful shutdown, and a look every half lease for rows
 * whose runner died, each resumed, or failed once it was taken over more than `MAX_TAKEOVERS`
 * times. Renewing a lease while a run goes on is the run's own business.
 */
export class LeasedRuns<Row extends LeasedRow> {
  private readonly running = new Map<string, { stop: AbortController; finished: Promise<void> }>();
  private lookout: NodeJS.Timeout | undefined;
  private looking = false;
  private stopping = false;

  constructor(
    private readonly work: LeasedWork<Row>,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  /** Takes over what ran out now, then every half lease. */
  begin(): void {
    void this.takeOverExpired();
    this.lookout = setInterval(() => void this.takeOverExpired(), this.leaseMs / 2);
  }

  /** Stops every run of this process (each gives its lease up) and waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.lookout);
    for (const run of this.running.values()) run.stop.abort();
    await Promise.allSettled([...this.running.values()].map((run) => run.finished));
  }

  /** Runs `run` for the row `id`, leased to this process, until it ends or `stop()`. */
  start(id: string, run: (stop: AbortSignal) => Promise<void>): void {
    const stop = new AbortController();
    const finished = run(stop.signal).finally(() => this.running.delete(id));
    this.running.set(id, { stop, finished });
  }

  private async takeOverExpired(): Promise<void> {
    if (this.looking || this.stopping) return;
    this.looking = true;
    const { name, logKey } = this.work;
    try {
      for (const row of await this.work.takeOverExpired([...this.running.keys()])) {
        const log = { [logKey]: row.id, tenant: row.tenant_id, takeovers: row.takeovers };
        if (this.stopping) {
          await this.work.release(row);
        } else if (row.takeovers > MAX_TAKEOVERS) {
          this.logger.error(log, `${name} failed: its runner died too often`);
          await this.work.fail(
            row,
            `the api process running it stopped ${row.takeovers} times; start the ${name} again`,
          );
        } else {
          this.logger.warn(log, `resuming a ${name} whose runner stopped`);
          this.start(row.id, (stop) => this.work.resume(row, stop));
        }
      }
    } catch (error) {
      this.logger.warn({ err: error }, `could not look for ${name}s to take over; trying again later`);
    } finally {
      this.looking = false;
    }
  }
}
