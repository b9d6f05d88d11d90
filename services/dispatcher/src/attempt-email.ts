import type { DeliveryStatus } from '@flowline/db';
import type { EmailContent } from '@flowline/contracts';
import { classifySmtpOutcome, EmailSender, RetryPolicy } from '@flowline/delivery';
import type { Clock } from './clock';
import type { Effects } from './effects';
import type { Job } from './job';
import type { SettlementEffects } from './settlement-effects';

/** Sends emails: `EmailSender` is one. */
export type EmailChannel = Pick<EmailSender, 'configured' | 'send'>;

/**
 * One email submission, logged like a webhook attempt: the status code is the SMTP reply code
 * (none when the server was not reached) and the excerpt the server's reply, both without
 * addresses. The message itself is never logged.
 */
export class AttemptEmail {
  constructor(
    private readonly emails: EmailChannel,
    private readonly settlements: SettlementEffects,
    private readonly clock: Clock,
  ) {}

  async execute(
    job: Job,
    target: { email: EmailContent; policy: RetryPolicy },
    effects: Effects,
  ): Promise<DeliveryStatus> {
    const { policy } = target;
    const attemptedAt = this.clock.now();
    const sent = await this.emails.send({ id: job.delivery.id, ...target.email });
    const outcome = classifySmtpOutcome(sent.result, this.clock.now());
    const settlement = this.settlements.settle(job, outcome, sent.latencyMs, policy, { channel: 'email' });
    const reply = sent.result.kind === 'reply' ? sent.result : undefined;
    const refused = sent.rejectedRecipients > 0 ? ` (${sent.rejectedRecipients} recipient(s) refused)` : '';
    this.settlements.apply(job, effects, settlement, attemptedAt, {
      statusCode: reply?.code ?? null,
      latencyMs: sent.latencyMs,
      error: outcome.kind === 'success' ? null : outcome.reason,
      responseExcerpt: reply ? `${reply.code} ${reply.text}`.trim() + refused : null,
    });
    return settlement.status;
  }
}
