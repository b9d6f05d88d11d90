/**
 * Every Flowline message is keyed `tenant:subject` so that one subject's messages share a
 * partition and keep their order through every hop (ARCHITECTURE "Data flow").
 */
export function messageKey(tenant: string, subject: string): string {
  return `${tenant}:${subject}`;
}

/** Headers Flowline sets on every message it produces. */
export const HEADER_ENVELOPE_VERSION = 'flowline-envelope-version';
export const HEADER_MESSAGE_TYPE = 'flowline-message-type';

/**
 * On a `flowline.deliveries` record an operator submitted from the retry queue (value `1`): the
 * dispatcher attempts it at once instead of waiting for its scheduled retry.
 */
export const HEADER_RESUBMIT = 'flowline-resubmit';
