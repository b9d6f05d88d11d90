import type { DataSource } from 'typeorm';
import { describeBrokers, Kafka, withTimeout } from '@flowline/kafka';

/**
 * Probes behind `/health/ready`: can this process reach Kafka and PostgreSQL right now?
 * Answers are cached briefly so frequent probes do not load the broker.
 */
export class Readiness {
  private cached: { at: number; result: ReadinessResult } | undefined;
  private inFlight: Promise<ReadinessResult> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly cacheMs = 1000,
  ) {}

  async check(): Promise<ReadinessResult> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return this.cached.result;
    // Concurrent probes share one check instead of each opening an admin connection.
    this.inFlight ??= this.probe().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async probe(): Promise<ReadinessResult> {
    const [kafka, postgres] = await Promise.all([this.probeKafka(), this.probePostgres()]);
    const result = { ready: kafka.up && postgres.up, kafka, postgres };
    this.cached = { at: Date.now(), result };
    return result;
  }

  private async probeKafka(): Promise<Probe> {
    try {
      const { brokers } = await describeBrokers(this.kafka, 3000);
      return { up: true, detail: `${brokers} broker(s)` };
    } catch (error) {
      return { up: false, detail: (error as Error).message };
    }
  }

  private async probePostgres(): Promise<Probe> {
    try {
      if (!this.dataSource.isInitialized) return { up: false, detail: 'not connected' };
      await withTimeout(this.dataSource.query('SELECT 1'), 3000);
      return { up: true, detail: 'ok' };
    } catch (error) {
      return { up: false, detail: (error as Error).message };
    }
  }
}

export interface Probe {
  up: boolean;
  detail: string;
}

export interface ReadinessResult {
  ready: boolean;
  kafka: Probe;
  postgres: Probe;
}
