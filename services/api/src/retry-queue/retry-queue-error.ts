/** What can keep a retry queue request from being done. */
export enum RetryQueueErrorCode {
  /** No such item for this tenant (another tenant's, or a delivery that never joined the queue). */
  NotFound = 'not_found',
  /** It waits behind an earlier delivery of its subject, or for its paused connection. */
  Held = 'held',
  /** It is being attempted right now. */
  Sending = 'sending',
  /** It was delivered. */
  Succeeded = 'succeeded',
  /** Its delivery record is not kept (a validation error): replaying the flow sends it again. */
  NoRecord = 'no_record',
}

/** A refused retry queue request; the HTTP layer maps each code to its status. */
export class RetryQueueError extends Error {
  constructor(
    readonly code: RetryQueueErrorCode,
    message: string,
    /** Whether the same request may succeed later without anyone changing anything. */
    readonly retriable: boolean,
    /** The earlier delivery a held item waits behind, when there is one. */
    readonly waitsFor?: string,
  ) {
    super(message);
    this.name = 'RetryQueueError';
  }
}
