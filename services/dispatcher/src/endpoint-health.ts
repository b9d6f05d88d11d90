import type { ConnectionsRepository } from '@flowline/db';
import type { NoticeSink } from '@flowline/runtime';
import type { AttemptOutcome, ConnectionSettings } from '@flowline/delivery';
import type { FlowlineMetrics } from '@flowline/observability';
import type { Logger } from 'pino';
import type { Clock } from './clock';

/** Stores pauses and the failing clocks of connections: `ConnectionsRepository` is one. */
export type ConnectionHealthStore = Pick<
  ConnectionsRepository,
  'pauseAfterGone' | 'pauseAfterFailing' | 'markFailing' | 'markRecovered'
>;

/** Which rule paused a connection: the label of `flowline_connection_pauses_total`. */
export type PauseRule = 'gone' | 'failing';

/**
 * A process stops a connection's failing clock in PostgreSQL at most this often: one write per
 * second and connection, not one per success. Another dispatcher's failure that starts the clock
 * within that second is reset by the next success after it.
 */
const RECOVERED_WRITE_EVERY_MS = 1_000;

/**
 * Whether a connection failing since `failingSince` has failed for longer than it may: false when
 * the rule is off (0 seconds).
 */
export function failingTooLong(failingSince: number, now: number, pauseAfterFailingS: number): boolean {
  return pauseAfterFailingS > 0 && now - failingSince >= pauseAfterFailingS * 1000;
}

/** The pause reason of the failing rule: names the rule, since when and the last failure. */
export function failingPauseReason(pauseAfterFailingS: number, failingSince: number, lastFailure: string): string {
  return (
    `pause_after_failing_s: every delivery failed with a retryable failure for more than ${pauseAfterFailingS} s ` +
    `(since ${new Date(failingSince).toISOString()}; last: ${lastFailure})`
  );
}

/**
 * Endpoint health (decision 0020): after each attempt on a connection, a 410 Gone pauses it at
 * once; a retryable failure (5xx, 429, timeout, connection error) starts its failing clock, kept
 * in PostgreSQL so that every dispatcher shares it, and pauses it once the clock passes its
 * `pause_after_failing_s`; a success stops the clock. A pause holds the connection's deliveries
 * here at once and, through the pause notice, in every other dispatcher.
 */
export class EndpointHealth {
  /** What this process last knew of each connection's clock: null while it is not failing. */
  private readonly known = new Map<string, { failingSince: number | null; at: number }>();
  /** Connections whose recovery the next statement stores, with their tenants. */
  private readonly recovering = new Map<string, string>();
  /** The next statement storing recoveries, not yet sent. */
  private nextRecoveries: Promise<void> | undefined;
  /** The last statement storing recoveries: the next one waits for it. */
  private recoveriesInFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: ConnectionHealthStore,
    private readonly notices: NoticeSink,
    /** The operator's FLOWLINE_PAUSE_AFTER_FAILING_S. */
    private readonly defaultPauseAfterFailingS: number,
    private readonly metrics: FlowlineMetrics,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** What one attempt's outcome says of its connection; never fails the attempt itself. */
  async afterAttempt(connection: ConnectionSettings, outcome: AttemptOutcome): Promise<void> {
    try {
      if (outcome.kind === 'success') await this.recovered(connection);
      else if (outcome.kind === 'retry') await this.failed(connection, outcome.reason);
      else if (outcome.pauseConnection) await this.pauseAfterGone(connection, outcome.reason);
    } catch (error) {
      // The next attempt looks again; the delivery itself is settled either way.
      this.logger.warn({ err: error, connectionId: connection.id }, 'could not store the health of a connection');
    }
  }

  private async recovered(connection: ConnectionSettings): Promise<void> {
    const now = this.clock.now();
    const known = this.known.get(connection.id);
    if (known && known.failingSince === null && now - known.at < RECOVERED_WRITE_EVERY_MS) return;
    await this.storeRecovered(connection);
    this.known.set(connection.id, { failingSince: null, at: now });
  }

  /**
   * Recoveries go to PostgreSQL together: those of every connection that succeeded while the last
   * statement was on its way, in one statement. With a thousand tenants' connections each
   * delivering about once a second, one statement per recovery was one per delivery.
   */
  private storeRecovered(connection: ConnectionSettings): Promise<void> {
    this.recovering.set(connection.id, connection.tenant);
    if (!this.nextRecoveries) {
      // After the statement in flight: what succeeds meanwhile joins this one.
      const next = this.recoveriesInFlight
        .catch(() => undefined)
        .then(() => {
          const batch = [...this.recovering].map(([id, tenant]) => ({ id, tenant }));
          this.recovering.clear();
          this.nextRecoveries = undefined;
          return this.store.markRecovered(batch);
        });
      this.nextRecoveries = next;
      this.recoveriesInFlight = next;
    }
    return this.nextRecoveries;
  }

  private async failed(connection: ConnectionSettings, lastFailure: string): Promise<void> {
    const pauseAfterS = connection.pauseAfterFailingS ?? this.defaultPauseAfterFailingS;
    if (pauseAfterS === 0 || connection.paused) return;
    const now = this.clock.now();
    let failingSince = this.known.get(connection.id)?.failingSince ?? null;
    if (failingSince === null) {
      const stored = await this.store.markFailing(connection.tenant, connection.id, new Date(now));
      if (!stored) return; // deleted meanwhile
      failingSince = stored.getTime();
      this.known.set(connection.id, { failingSince, at: now });
    }
    if (!failingTooLong(failingSince, now, pauseAfterS)) return;
    const reason = failingPauseReason(pauseAfterS, failingSince, lastFailure);
    // Paused only if PostgreSQL still says it has been failing that long: another dispatcher's
    // success may have stopped the clock since this process last looked.
    const paused = await this.store.pauseAfterFailing(
      connection.tenant,
      connection.id,
      reason,
      new Date(now - pauseAfterS * 1000),
    );
    this.known.delete(connection.id);
    if (paused) {
      this.paused(connection, reason, 'failing');
      // Counted and told by the dispatcher whose write paused it, once for the cluster, even if the
      // pause notice (PostgreSQL's) reached this process's catalog first.
      this.metrics.connectionPauses.labels('failing').inc();
      await this.notifyPaused(connection, reason, 'failing');
    }
  }

  /** After a 410 Gone: paused here at once, and for every service through PostgreSQL. */
  private async pauseAfterGone(connection: ConnectionSettings, reason: string): Promise<void> {
    this.paused(connection, reason, 'gone');
    let stored: boolean;
    try {
      stored = await this.store.pauseAfterGone(connection.tenant, connection.id, reason);
    } catch (error) {
      // Paused in this process already; the others pause it at their own first 410.
      this.logger.warn({ err: error, connectionId: connection.id }, 'could not store the pause of a connection');
      return;
    }
    // Counted and told once, by the dispatcher whose write paused it.
    if (stored) {
      this.metrics.connectionPauses.labels('gone').inc();
      await this.notifyPaused(connection, reason, 'gone');
    }
  }

  private notifyPaused(connection: ConnectionSettings, reason: string, rule: PauseRule): Promise<void> {
    return this.notices.notify({
      type: 'connection.paused',
      tenant: connection.tenant,
      at: this.clock.now(),
      data: { connection_id: connection.id, connection_name: connection.name, reason, rule },
    });
  }

  /** Paused in this process at once: later deliveries are held without waiting for the notice. */
  private paused(connection: ConnectionSettings, reason: string, rule: PauseRule): void {
    const already = connection.paused;
    connection.paused = true;
    connection.pausedReason = reason;
    this.metrics.connectionPaused.labels(connection.tenant, connection.id).set(1);
    if (!already)
      this.logger.error({ connectionId: connection.id, rule, reason }, 'connection paused: an operator must resume it');
  }
}
