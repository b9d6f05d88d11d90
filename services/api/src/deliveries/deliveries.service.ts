import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DeliveryLogRepository, DeliveryLogRow } from '@flowline/db';
import { AttemptLogEntry, readAttemptLog } from './attempt-log';
import { DeliveriesQueryDto } from './deliveries.dto';

export type DeliveryResponse = ReturnType<typeof toResponse>;

/** The activity feed of one tenant: every delivery and, by id, each of its attempts (CONTRACT §8). */
@Injectable()
export class DeliveriesService {
  constructor(@Inject(DeliveryLogRepository) private readonly log: DeliveryLogRepository) {}

  async list(tenant: string, query: DeliveriesQueryDto): Promise<{ deliveries: DeliveryResponse[] }> {
    const rows = await this.log.feed(tenant, {
      flowId: query.flow,
      sequenceId: query.sequence,
      subject: query.subject,
      status: query.status,
      from: query.from,
      to: query.to,
      limit: query.limit ?? 100,
    });
    return { deliveries: rows.map(toResponse) };
  }

  async get(tenant: string, id: string): Promise<DeliveryResponse & { attempt_log: AttemptLogEntry[] }> {
    const row = await this.log.find(tenant, id);
    if (!row) throw new NotFoundException(`delivery ${id} not found`);
    return { ...toResponse(row), attempt_log: await readAttemptLog(this.log, tenant, id) };
  }
}

function toResponse(row: DeliveryLogRow) {
  return {
    id: row.id,
    subject: row.subject,
    connection_id: row.connection_id,
    flow_id: row.flow_id,
    sequence_id: row.sequence_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    delivered_at: row.delivered_at?.toISOString() ?? null,
  };
}
