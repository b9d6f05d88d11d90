import { KafkaJSError, KafkaJSNonRetriableError } from 'kafkajs';
import { COORDINATOR_OUTAGE_LIMIT_MS, joinFailureToRestart } from './kafkajs-coordinator-patch';

// kafkajs's own error class (its `errors` module is not all exported by its index).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const errors = require('kafkajs/src/errors') as Record<string, new (message: string) => Error>;

type KafkaError = { name?: string; retriable?: boolean; cause?: unknown };

/** Whether kafkajs's retrier tries again inside the consumer (kafkajs/src/retry/index.js). */
function retriedInside(error: unknown): boolean {
  return (error as KafkaError).retriable !== false;
}

/** Whether kafkajs's crash handler restarts the consumer (kafkajs/src/consumer/index.js). */
function restartsTheConsumer(error: unknown): boolean {
  let root = error as KafkaError;
  if (root.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  while (root.cause !== undefined) root = root.cause as KafkaError;
  return root.retriable === true;
}

describe('a join that finds no group coordinator restarts the consumer, not the process (decision 0034)', () => {
  // As `joinAndSync` bails with it, after its retries.
  const notFound = () => new errors.KafkaJSGroupCoordinatorNotFound!('Failed to find group coordinator');

  it('as kafkajs answers it, nothing restarts and the process ends', () => {
    expect(retriedInside(notFound())).toBe(false);
    expect(restartsTheConsumer(notFound())).toBe(false);
  });

  it('ends the old consumer’s retries and restarts it, saying what failed', () => {
    const translated = joinFailureToRestart(notFound(), 0) as Error;
    expect(retriedInside(translated)).toBe(false);
    expect(restartsTheConsumer(translated)).toBe(true);
    expect(translated.message).toContain("the group's coordinator was not found");
  });

  it('ends the process once the group has had no coordinator for longer than the limit (an authorisation failure looks the same)', () => {
    const error = notFound();
    expect(joinFailureToRestart(error, COORDINATOR_OUTAGE_LIMIT_MS - 1)).not.toBe(error);
    expect(joinFailureToRestart(error, COORDINATOR_OUTAGE_LIMIT_MS + 1)).toBe(error);
  });

  it('leaves every other failure as it was', () => {
    const denied = new KafkaJSNonRetriableError('Not authorized to access group');
    const refused = new KafkaJSError('Connection error: connect ECONNREFUSED', { retriable: true });
    expect(joinFailureToRestart(denied, 0)).toBe(denied);
    expect(joinFailureToRestart(refused, 0)).toBe(refused);
  });
});
