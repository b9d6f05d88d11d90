import { KafkaJSError, KafkaJSNonRetriableError } from 'kafkajs';
import { joinFailureToRetry } from './kafkajs-coordinator-patch';

// kafkajs's own error classes (its `errors` module is not all exported by its index).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const errors = require('kafkajs/src/errors') as Record<string, new (message: string, options?: object) => Error>;

/** kafkajs's consumer restarts after a crash when this holds (kafkajs/src/consumer/index.js). */
function kafkajsRestarts(error: unknown): boolean {
  let root = error as { name?: string; retriable?: boolean; cause?: unknown };
  if (root.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  while (root.cause !== undefined) root = root.cause as typeof root;
  return root.retriable === true;
}

describe("a join that finds no group coordinator is retried, not the process's end (decision 0034)", () => {
  const notFound = () => {
    const cause = new errors.KafkaJSGroupCoordinatorNotFound!('Failed to find group coordinator');
    // As kafkajs's retrier wraps it (kafkajs/src/retry/index.js): the typings omit the options.
    const Wrapper = KafkaJSNonRetriableError as unknown as new (error: Error, options: { cause: Error }) => Error;
    return new Wrapper(cause, { cause });
  };

  it("kafkajs's own failure of a join during an election would not restart the consumer", () => {
    expect(kafkajsRestarts(notFound())).toBe(false);
  });

  it('is made retriable, without the cause that kafkajs would read instead, saying what failed', () => {
    const translated = joinFailureToRetry(notFound()) as KafkaJSError;
    expect(kafkajsRestarts(translated)).toBe(true);
    expect(translated.message).toContain("the group's coordinator was not found");
  });

  it('leaves every other failure as it was', () => {
    const denied = new KafkaJSNonRetriableError('Not authorized to access group');
    const refused = new KafkaJSError('Connection error: connect ECONNREFUSED', { retriable: true });
    expect(joinFailureToRetry(denied)).toBe(denied);
    expect(joinFailureToRetry(refused)).toBe(refused);
  });
});
