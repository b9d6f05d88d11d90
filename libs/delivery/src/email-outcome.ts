import { AttemptOutcome, AttemptResult, classifyOutcome } from './classify-outcome';

/**
 * What submitting one email got: the SMTP server's reply, or an error before any reply. Texts
 * are already redacted by the sender (no addresses, no credentials).
 *
 * - `timeout`, `connection`: the server could not be reached or the session broke;
 * - `config`: the transport cannot work as configured (bad SMTP settings, credentials missing);
 * - `rejected`: the mail library refused the message itself (e.g. an invalid address), before any reply.
 */
export type SmtpResult =
  | { kind: 'reply'; code: number; text: string }
  | { kind: 'error'; code: 'timeout' | 'connection' | 'config' | 'rejected'; message: string };

/**
 * The HTTP-shaped result an SMTP result is equivalent to, so `classifyOutcome` stays the one place
 * that decides what an attempt means (docs/CONTRACT.md §8):
 *
 * | SMTP                                   | equivalent       | outcome                      |
 * | -------------------------------------- | ---------------- | ---------------------------- |
 * | 2yz                                    | 200              | success                      |
 * | 4yz, and 503 (bad sequence of commands) | 503              | retried (`system`)           |
 * | any other 5yz                          | 400              | permanent (`general`)        |
 * | timeout                                | timeout          | retried (`connection`)       |
 * | connection error                       | connection error | retried (`connection`)       |
 * | transport misconfigured                | refused target   | permanent (`config`)         |
 * | message refused before any reply       | 400              | permanent (`general`)        |
 *
 * 503 is RFC 5321's one 5yz that does not refuse the message, only the session's state: a new
 * session may take it. A 1yz or 3yz final reply (never one to a complete submission) is retried.
 */
export function smtpEquivalent(result: SmtpResult): AttemptResult {
  if (result.kind === 'error') {
    switch (result.code) {
      case 'timeout':
        return { kind: 'error', code: 'timeout', message: result.message };
      case 'connection':
        return { kind: 'error', code: 'connection', message: result.message };
      case 'config':
        return { kind: 'error', code: 'refused_target', message: result.message };
      case 'rejected':
        return { kind: 'response', status: 400 };
    }
  }
  const { code } = result;
  if (code >= 200 && code < 300) return { kind: 'response', status: 200 };
  if (code >= 500 && code < 600 && code !== 503) return { kind: 'response', status: 400 };
  return { kind: 'response', status: 503 };
}

/** What one email attempt means: `classifyOutcome`'s decision, with a reason in SMTP's terms. */
export function classifySmtpOutcome(result: SmtpResult, now: number): AttemptOutcome {
  const outcome = classifyOutcome(smtpEquivalent(result), now);
  if (outcome.kind === 'success') return outcome;
  const reason =
    result.kind === 'reply'
      ? `SMTP ${result.code}${result.text ? `: ${result.text}` : ''}`
      : `${result.code === 'rejected' ? 'message refused' : result.code}: ${result.message}`;
  return { ...outcome, reason };
}
