import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { from, lastValueFrom, Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/tenant-auth.guard';
import { ApiErrors } from './openapi';

/**
 * How many requests of one kind run at once, per tenant and in all, in this process; beyond,
 * 429 naming the kind. For work that holds a scarce resource for as long as it takes: a database
 * connection of the api's pool for a read over a tenant's whole history, or a consumer of the
 * event log. Without it, one tenant's ten slow requests held every pooled connection, and every
 * other tenant's request (its key's lookup included) waited behind them.
 */
export class ConcurrencyLimit {
  private readonly running = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perTenant: number,
    private readonly inAll: number,
    private readonly what: string,
  ) {}

  async run<T>(tenant: string, work: () => Promise<T>): Promise<T> {
    const ours = this.running.get(tenant) ?? 0;
    if (ours >= this.perTenant || this.total >= this.inAll)
      throw new HttpException(
        `too many ${this.what} run at once: try again when one has answered`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    this.running.set(tenant, ours + 1);
    this.total += 1;
    try {
      return await work();
    } finally {
      this.total -= 1;
      const left = (this.running.get(tenant) ?? 1) - 1;
      if (left > 0) this.running.set(tenant, left);
      else this.running.delete(tenant);
    }
  }
}

/**
 * Reads whose cost grows with a tenant's history (the activity feed with a filter no index
 * serves, insights over a long period, the retry queue, completed sequences): at most 3 at once per
 * tenant and 6 in all, of the api pool's 10 connections, so the others always have 4.
 */
const HISTORY_READS = new ConcurrencyLimit(3, 6, 'reads of delivery history');

/** One limit for every such read of the process, whichever module's controller serves it. */
@Injectable()
export class HistoryReads implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const tenant = context.switchToHttp().getRequest<AuthenticatedRequest>().tenantId;
    return from(HISTORY_READS.run(tenant, () => lastValueFrom(next.handle())));
  }
}

/** Marks a read of delivery history: bounded by `HistoryReads`, and documented as answering 429. */
export const ReadsHistory = () =>
  applyDecorators(
    UseInterceptors(HistoryReads),
    ApiErrors([429], {
      429: { description: 'too many reads of delivery history run at once: try again when one has answered' },
    }),
  );
