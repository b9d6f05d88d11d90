import { Inject, Injectable } from '@nestjs/common';
import { messageKey, RETRY_HEADERS, Topic, TopicNames } from '@flowline/contracts';
import { ConnectionsRepository, DeliveryStore, RetryQueueRepository, RetryQueueRow } from '@flowline/db';
import { FlowlineProducer } from '@flowline/kafka';
import { assertUnreachable } from '../common/assert-unreachable';
import { SubmitRefusal, submitRefusal } from './queue-status';
import { RetryQueueError, RetryQueueErrorCode } from './retry-queue-error';

/**
 * "Submit to Retry Queue" (docs/CONTRACT.md §8): the item is marked `retrying`, due now, with a fresh
 * retry schedule, and its stored delivery record goes back to the deliveries topic unchanged,
 * keyed like the mapper keys it and marked `flowline-resubmit: 1` with that due time; the
 * dispatcher attempts it at once, ahead of the item's scheduled retry (which is then stale).
 */
@Injectable()
export class SubmitToRetryQueue {
  constructor(
    @Inject(RetryQueueRepository) private readonly queue: RetryQueueRepository,
    /** The submit itself is a move of the delivery's lifecycle: the store owns it. */
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    @Inject(ConnectionsRepository) private readonly connections: ConnectionsRepository,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
  ) {}

  async execute(tenant: string, id: string): Promise<{ id: string; status: 'submitted' }> {
    const item = await this.queue.findWithRecord(tenant, id);
    if (!item) throw new RetryQueueError(RetryQueueErrorCode.NotFound, `retry queue item ${id} not found`, false);
    const refusal = submitRefusal({ status: item.status, hasRecord: item.message !== null });
    if (refusal !== undefined || item.message === null) {
      throw await this.refused(refusal ?? RetryQueueErrorCode.NoRecord, item);
    }
    // Marked first: the dispatcher attempts the record only while the row still says it is due
    // at this time, so a second submit, or the item's own retry coming due, sends it once.
    const dueAt = await this.store.markSubmitted(tenant, id);
    if (dueAt === undefined) {
      const now = await this.queue.findWithRecord(tenant, id);
      const changed = now && submitRefusal({ status: now.status, hasRecord: now.message !== null });
      throw await this.refused(changed ?? RetryQueueErrorCode.Sending, now ?? item);
    }
    await this.producer.send([
      {
        topic: this.topics.of(Topic.Deliveries),
        key: messageKey(item.tenant_id, item.subject),
        value: undefined,
        rawValue: item.message,
        type: 'delivery',
        headers: { [RETRY_HEADERS.resubmit]: '1', [RETRY_HEADERS.dueAt]: String(dueAt) },
      },
    ]);
    return { id: item.id, status: 'submitted' };
  }

  /** Says why the item cannot go now and, for a held one, what it waits for. */
  private async refused(refusal: SubmitRefusal, item: RetryQueueRow): Promise<RetryQueueError> {
    switch (refusal) {
      case RetryQueueErrorCode.Held:
        return this.held(item);
      case RetryQueueErrorCode.Sending:
        return new RetryQueueError(refusal, `delivery ${item.id} is being attempted right now`, true);
      case RetryQueueErrorCode.Succeeded:
        return new RetryQueueError(refusal, `delivery ${item.id} was delivered already`, false);
      case RetryQueueErrorCode.NoRecord: {
        const failure =
          item.category === 'validation' ? `failed validation (${item.last_error ?? 'no detail'}) and ` : '';
        const again = item.flow_id
          ? `fix the mapping, then replay the flow (POST /flows/${item.flow_id}/replay)`
          : 'fix the cause; it cannot be sent again from the retry queue';
        return new RetryQueueError(
          refusal,
          `delivery ${item.id} ${failure}keeps no record to resubmit: ${again}`,
          false,
        );
      }
      default:
        return assertUnreachable(refusal);
    }
  }

  /** A held item waits behind the delivery heading its lane, or for its paused connection. */
  private async held(item: RetryQueueRow): Promise<RetryQueueError> {
    const head = item.lane ? await this.queue.laneHead(item.tenant_id, item.lane, item.id) : undefined;
    const connection = item.connection_id ? await this.connections.find(item.tenant_id, item.connection_id) : undefined;
    const paused = connection?.pausedAt
      ? `its connection ${connection.id} is paused (${connection.pausedReason ?? 'no reason given'}): ` +
        `resume it with POST /connections/${connection.id}/resume`
      : undefined;
    const reasons: string[] = [];
    if (head) {
      reasons.push(
        head.status === 'sending'
          ? `it waits behind delivery ${head.id} of the same subject, which is being attempted now`
          : `it waits behind delivery ${head.id} of the same subject, which waits for its retry ` +
              `(submit that one to retry it now)`,
      );
    }
    if (paused) reasons.push(paused);
    if (reasons.length === 0) reasons.push('it waits for an earlier delivery of the same subject');
    return new RetryQueueError(
      RetryQueueErrorCode.Held,
      `delivery ${item.id} is held: ${reasons.join('; ')}`,
      true,
      head?.id,
    );
  }
}
