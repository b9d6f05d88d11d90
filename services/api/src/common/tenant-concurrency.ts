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
 * How many requests of one kind run at once, per tenant and in all, in this process. For work that
 * holds a scarce resource for as long as it takes: a database connection of the api's pool for a
 * read over a tenant's whole history, or a consumer of the event log. Without it, one tenant's ten
 * slow requests held every pooled connection, and every other tenant's request (its key's lookup
 * included) waited behind them. Up to `maxWaiting` of a tenant's requests beyond its share wait
 * for a place, in order, for at most `maxWaitMs` (the console's dashboard asks for twenty figures
 * at once); beyond those, 429 naming the kind.
 */
export class ConcurrencyLimit {
  private readonly running = new Map<string, number>();
  /** Tenants' waiting requests; the tenant that has waited longest for its turn first. */
  private readonly waiting = new Map<string, Waiter[]>();
  private total = 0;

  constructor(
    private readonly perTenant: number,
    private readonly inAll: number,
    private readonly what: string,
    private readonly maxWaiting = 0,
    private readonly maxWaitMs = 0,
  ) {}

  async run<T>(tenant: string, work: () => Promise<T>): Promise<T> {
    if (this.hasRoom(tenant)) this.take(tenant);
    // Resumed with its place already taken, so a request arriving meanwhile cannot take it.
    else await this.waitForRoom(tenant);
    try {
      return await work();
    } finally {
      this.give(tenant);
      this.wakeNext();
    }
  }

  private take(tenant: string): void {
    this.running.set(tenant, (this.running.get(tenant) ?? 0) + 1);
    this.total += 1;
  }

  private give(tenant: string): void {
    this.total -= 1;
    const left = (this.running.get(tenant) ?? 1) - 1;
    if (left > 0) this.running.set(tenant, left);
    else this.running.delete(tenant);
  }

  private hasRoom(tenant: string): boolean {
    return (this.running.get(tenant) ?? 0) < this.perTenant && this.total < this.inAll;
  }

  private refusal(): HttpException {
    return new HttpException(
      `too many ${this.what} run at once: try again when one has answered`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private waitForRoom(tenant: string): Promise<void> {
    const queue = this.waiting.get(tenant) ?? [];
    if (queue.length >= this.maxWaiting) throw this.refusal();
    this.waiting.set(tenant, queue);
    return new Promise((resume, reject) => {
      const waiter: Waiter = {
        resume,
        // Waiting is bounded too: past it, the request is refused as if it had found no place.
        timer: setTimeout(() => {
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          if (queue.length === 0 && this.waiting.get(tenant) === queue) this.waiting.delete(tenant);
          reject(this.refusal());
        }, this.maxWaitMs),
      };
      queue.push(waiter);
    });
  }

  /**
   * A place came free: it goes to the tenant that has waited longest and has room, which then
   * goes to the back of the line, so two busy tenants cannot keep a third's turn from coming.
   */
  private wakeNext(): void {
    for (const [tenant, queue] of this.waiting) {
      if (!this.hasRoom(tenant)) continue;
      const next = queue.shift()!;
      this.waiting.delete(tenant);
      if (queue.length > 0) this.waiting.set(tenant, queue);
      clearTimeout(next.timer);
      this.take(tenant);
      next.resume();
      return;
    }
  }
}

interface Waiter {
  resume: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Reads whose cost grows with a tenant's history (the activity feed with a filter no index
 * serves, insights over a long period, the retry queue, completed sequences): at most 3 at once per
 * tenant and 6 in all, of the api pool's 10 connections, so the others always have 4; up to 50 more
 * of a tenant wait their turn, for at most 30 s.
 */
const HISTORY_READS = new ConcurrencyLimit(3, 6, 'reads of delivery history', 50, 30_000);

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
