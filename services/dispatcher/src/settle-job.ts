import type { DeliveryStatus } from '@flowline/db';
import { requestProblem } from '@flowline/delivery';
import type { AttemptEmail } from './attempt-email';
import type { AttemptWebhook } from './attempt-webhook';
import type { Effects } from './effects';
import type { Job } from './job';
import type { SettlementEffects } from './settlement-effects';

/** One delivery: attempted on its channel, held (paused connection), deferred or failed; answers its new status. */
export class SettleJob {
  constructor(
    private readonly settlements: SettlementEffects,
    private readonly webhook: AttemptWebhook,
    private readonly email: AttemptEmail,
  ) {}

  execute(job: Job, effects: Effects): Promise<DeliveryStatus> {
    const { target } = job;
    switch (target.kind) {
      case 'unusable':
        return Promise.resolve(this.settlements.failUnusable(job, effects, target.reason));
      case 'email':
        return this.email.execute(job, target, effects);
      case 'webhook': {
        if (target.connection.paused) return Promise.resolve(this.settlements.hold(job, effects, 'paused'));
        const problem = requestProblem(target.connection, job.delivery);
        if (problem !== undefined) return Promise.resolve(this.settlements.failInvalidRequest(job, effects, problem));
        return this.webhook.execute(job, target, effects);
      }
    }
  }
}
