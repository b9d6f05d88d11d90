import { hash } from 'node:crypto';

/**
 * A subject's key where a table needs to recognise a subject without holding it: 16 bytes of its
 * SHA-256, as `insights_hourly_subjects` keys the hour's subjects (insights.repository.ts) and
 * `processed_events` marks whose event an id was. Small and bounded whatever the subject (up to
 * 500 characters); the subject itself (which may be an email address) is not copied.
 */
export function subjectDigest(subject: string): Buffer {
  // One-shot `hash`: computed for every event by ingest and the evaluator (issue 13).
  return hash('sha256', subject, 'buffer').subarray(0, 16);
}
