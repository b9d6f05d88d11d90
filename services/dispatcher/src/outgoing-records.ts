import {
  DeadLetterOrigin,
  FailureCategory,
  DLQ_HEADERS,
  RETRY_HEADERS,
  retryTopic,
  Topic,
  TopicNames,
} from '@flowline/contracts';
import { retryTier } from '@flowline/delivery';
import { deadLetterRecord } from '@flowline/kafka';
import type { ConsumedRecord, OutgoingMessage } from '@flowline/kafka';
import type { FlowlineMetrics } from '@flowline/observability';
import type { Clock } from './clock';

/** The records the dispatcher produces: a delivery's retry, and its dead letter. */
export class OutgoingRecords {
  constructor(
    private readonly topics: TopicNames,
    private readonly metrics: FlowlineMetrics,
    private readonly clock: Clock,
  ) {}

  /** The delivery record, unchanged, to the retry tier of its wait, due at `due` (decision 0009). */
  retry(key: string, bytes: Buffer, origin: DeadLetterOrigin, retry: number, due: number): OutgoingMessage {
    return {
      topic: this.topics.of(retryTopic(retryTier(due - this.clock.now()))),
      key,
      value: undefined,
      rawValue: bytes,
      type: 'delivery',
      headers: {
        [RETRY_HEADERS.retry]: String(retry),
        [RETRY_HEADERS.dueAt]: String(due),
        [DLQ_HEADERS.originalTopic]: origin.topic,
        [DLQ_HEADERS.originalPartition]: String(origin.partition),
        [DLQ_HEADERS.originalOffset]: origin.offset,
      },
    };
  }

  /** The delivery record, as it came, to the dead-letter topic with why (docs/CONTRACT.md §8), counted. */
  deadLetter(
    key: string,
    bytes: Buffer | null,
    origin: DeadLetterOrigin,
    error: string,
    category: FailureCategory,
    attempts: number,
  ): OutgoingMessage {
    this.metrics.deadLettered(category);
    return deadLetterRecord({
      topic: this.topics.of(Topic.DeliveriesDlq),
      key,
      type: 'delivery',
      original: bytes,
      origin,
      error,
      category,
      attempts,
    });
  }
}

/** When a retry (or submitted) record is due: epoch ms; 0 for a record without the header. */
export function dueAt(record: ConsumedRecord): number {
  return Number(record.headers[RETRY_HEADERS.dueAt] ?? 0);
}

/** A retry record carries its delivery's first origin; a new record is its own. */
export function originOf(record: ConsumedRecord): DeadLetterOrigin {
  const topic = record.headers[DLQ_HEADERS.originalTopic];
  if (topic === undefined) return record;
  return {
    topic,
    partition: Number(record.headers[DLQ_HEADERS.originalPartition] ?? -1),
    offset: record.headers[DLQ_HEADERS.originalOffset] ?? '-1',
  };
}
