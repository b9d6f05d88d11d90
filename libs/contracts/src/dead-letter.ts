/**
 * Headers of a dead-letter or invalid record (CONTRACT §11): where the original came from and
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

export interface DeadLetterOrigin {
  topic: string;
  partition: number;
  offset: string;
}

export function deadLetterHeaders(
  origin: DeadLetterOrigin,
  error: string,
  category: string,
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
