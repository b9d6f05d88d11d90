/**
 * Every Flowline message is keyed `tenant:subject` so that one subject's messages share a
 * partition and keep their order through every hop (docs/ARCHITECTURE.md "Data flow").
 */
export function messageKey(tenant: string, subject: string): string {
  return `${tenant}:${subject}`;
}

/** Headers Flowline sets on every message it produces. */
export const HEADER_ENVELOPE_VERSION = 'flowline-envelope-version';
export const HEADER_MESSAGE_TYPE = 'flowline-message-type';
