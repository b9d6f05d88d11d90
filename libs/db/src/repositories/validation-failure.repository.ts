import type { DataSource } from 'typeorm';

/** A delivery the mapper could not render because its mapping's validation failed (CONTRACT §5). */
export interface ValidationFailureRecord {
  /** The id (`webhook-id`) the delivery would have had. */
  deliveryId: string;
  tenant: string;
  subject: string;
  channel: 'webhook' | 'email';
  connectionId: string | null;
  flowId: string | null;
  sequenceId: string | null;
  eventId: string;
  eventType: string;
  /** Why: the mapping's validation errors. */
  error: string;
  failedAt: Date;
}

/**
 * Validation failures in the delivery log: a failed delivery with category `validation`, never
 * attempted (attempts 0) and never retried, so the activity feed, the retry queue (as an error)
 * and the insights' validation errors all show it. No record is kept: retrying cannot help.
 */
export class ValidationFailureRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One statement per chunk. A redelivered action finds its row already there and changes
   * nothing; neither does a delivery id the log already holds (an earlier run delivered it).
   */
  async record(failures: readonly ValidationFailureRecord[]): Promise<void> {
    if (failures.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO deliveries (id, tenant_id, subject, channel, connection_id, flow_id, sequence_id, event_id, event_type,
                               status, attempts, last_error, category, retry_count, message,
                               created_at, updated_at, queued_at)
       SELECT id, tenant_id, subject, channel, connection_id, flow_id, sequence_id, event_id, event_type,
              'failed', 0, last_error, 'validation', 0, NULL, failed_at, failed_at, failed_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::text[], $8::text[],
                     $9::text[], $10::text[], $11::timestamptz[])
           AS t(id, tenant_id, subject, channel, connection_id, flow_id, sequence_id, event_id, event_type,
                last_error, failed_at)
        ORDER BY id
       ON CONFLICT (id) DO NOTHING`,
      [
        failures.map((f) => f.deliveryId),
        failures.map((f) => f.tenant),
        failures.map((f) => f.subject),
        failures.map((f) => f.channel),
        failures.map((f) => f.connectionId),
        failures.map((f) => f.flowId),
        failures.map((f) => f.sequenceId),
        failures.map((f) => f.eventId),
        failures.map((f) => f.eventType),
        failures.map((f) => f.error),
        failures.map((f) => f.failedAt.toISOString()),
      ],
    );
  }
}
