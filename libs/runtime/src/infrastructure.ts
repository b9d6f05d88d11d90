import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { FlowlineConfig } from '@flowline/config';
import { TopicNames } from '@flowline/contracts';
import { createDataSource, runMigrations } from '@flowline/db';
import { createKafka, ensureTopics, FlowlineProducer, Kafka, kafkaSecurity, KafkaSecurity } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';

/**
 * The process's shared connections: one Kafka client and producer, one PostgreSQL pool, one
 * metrics registry. Opened before any service starts consuming, closed after all have stopped.
 */
export class Infrastructure {
  readonly kafka: Kafka;
  /** TLS and SASL of every client of this process (one OAuth token source for all of them). */
  readonly kafkaSecurity: KafkaSecurity;
  readonly producer: FlowlineProducer;
  readonly dataSource: DataSource;
  readonly topics: TopicNames;

  constructor(
    readonly config: FlowlineConfig,
    readonly logger: Logger,
    readonly metrics: FlowlineMetrics,
  ) {
    this.kafkaSecurity = kafkaSecurity(config, { logger });
    this.kafka = createKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: config.KAFKA_CLIENT_ID,
      logger,
      security: this.kafkaSecurity,
    });
    this.producer = new FlowlineProducer(this.kafka);
    this.dataSource = createDataSource(config.DATABASE_URL);
    this.topics = new TopicNames(config.FLOWLINE_TOPIC_PREFIX);
  }

  async open(options: { migrate: boolean; createTopics: boolean }): Promise<void> {
    await this.openDatabase(options);
    await this.openKafka(options);
  }

  /** Connects the pool and applies migrations; safe to call again after a failed attempt. */
  async openDatabase(options: { migrate: boolean }): Promise<void> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    if (options.migrate) {
      const applied = await runMigrations(this.dataSource);
      if (applied.length > 0) this.logger.info({ applied }, 'migrations applied');
    }
  }

  /** Creates missing topics and connects the producer; safe to call again after a failed attempt. */
  async openKafka(options: { createTopics: boolean }): Promise<void> {
    if (options.createTopics) {
      const created = await ensureTopics(this.kafka, this.topics.specs(), {
        partitions: this.config.FLOWLINE_PARTITIONS,
        replicationFactor: this.config.FLOWLINE_REPLICATION_FACTOR,
        minInsyncReplicas: this.config.FLOWLINE_MIN_INSYNC_REPLICAS,
      });
      if (created.length > 0) this.logger.info({ created }, 'topics created');
    }
    await this.producer.connect();
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'producer disconnect failed'));
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
