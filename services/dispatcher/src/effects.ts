import type { AttemptRecord, DeliveryStore, ParkedDelivery } from '@flowline/db';
import type { FlowlineProducer, OutgoingMessage } from '@flowline/kafka';

/** What a chunk (or a release) leaves to do: stored first, then produced, then the offsets committed. */
export class Effects {
  readonly attempts: AttemptRecord[] = [];
  readonly parked: ParkedDelivery[] = [];
  readonly messages: OutgoingMessage[] = [];
  /** Lanes whose waiting delivery settled: what is held behind it may go now. */
  readonly released = new Set<string>();
  /**
   * Connections (limiter keys) whose latest request of this chunk took longer than
   * `MAX_ADMISSION_WAIT_MS` to answer: past the chunk's cap, their deliveries are deferred rather
   * than sent.
   */
  readonly slowConnections = new Set<string>();
}

/** Where produced records go: `FlowlineProducer` is one. */
export type RecordProducer = Pick<FlowlineProducer, 'send'>;

/** Stored before produced: a retry record always finds its delivery's state (the sweeper covers the gap). */
export async function persist(store: DeliveryStore, producer: RecordProducer, effects: Effects): Promise<void> {
  await store.record(effects.attempts, effects.parked);
  await producer.send(effects.messages);
}
