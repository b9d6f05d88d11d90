/**
 * Headers of a dead-letter or invalid record (docs/CONTRACT.md §11): where the original came from and
 * why it stopped here. The original bytes are kept as the record's value.
 */
export const DLQ_HEADERS = {
  originalTopic: 'flowline-original-topic',
  originalPartition: 'flowline-original-partition',
  originalOffset: 'flowline-original-offset',
  error: 'flowline-error',
  category: 'flowline-error-category',
  attempts: 'flowline-attempts',
} as const;

/**
 * Why a record was dead-lettered or a delivery failed (docs/CONTRACT.md §8, Certain's retry queue): the
 * `flowline-error-category` header, the retry queue's `category`, the dead-letter metric's label.
 */
export const FAILURE_CATEGORIES = ['general', 'system', 'config', 'connection', 'validation'] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

export interface DeadLetterOrigin {
  topic: string;
  partition: number;
  offset: string;
}

export function deadLetterHeaders(
  origin: DeadLetterOrigin,
  error: string,
  category: FailureCategory,
  attempts: number,
): Record<string, string> {
  return {
    [DLQ_HEADERS.originalTopic]: origin.topic,
    [DLQ_HEADERS.originalPartition]: String(origin.partition),
    [DLQ_HEADERS.originalOffset]: origin.offset,
    // Header values are bytes; keep them readable and bounded.
    [DLQ_HEADERS.error]: error.slice(0, 2000),
    [DLQ_HEADERS.category]: category,
    [DLQ_HEADERS.attempts]: String(attempts),
  };
}

/**
 * Headers of a record in a retry topic (decision 0009), besides the origin headers above: which
 * retry it is and when it is due. `flowline-resubmit: 1` marks a delivery an operator submitted
 * again from the retry queue, to be attempted at once.
 */
export const RETRY_HEADERS = {
  retry: 'flowline-retry',
  dueAt: 'flowline-due-at',
  resubmit: 'flowline-resubmit',
} as const;

/** `topic/partition/offset`, as a delivery row keeps its origin. */
export function formatOrigin(origin: DeadLetterOrigin): string {
  return `${origin.topic}/${origin.partition}/${origin.offset}`;
}

export function parseOrigin(text: string | null, fallbackTopic: string): DeadLetterOrigin {
  const match = text === null ? null : /^(.*)\/(-?\d+)\/(-?\d+)$/.exec(text);
  return match
    ? { topic: match[1]!, partition: Number(match[2]), offset: match[3]! }
    : { topic: fallbackTopic, partition: -1, offset: '-1' };
}
