import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AuthenticatedRequest, TenantAuthGuard } from './tenant-auth.guard';

/**
 * `POST /events` takes bodies of up to 32 MiB (FLOWLINE_MAX_EVENTS_REQUEST_BYTES): its caller is
 * authenticated before the body is read, so a caller with no valid key cannot make the api read
 * and parse that much only to be refused by the guard afterwards. What the refused caller still
 * sends is read and dropped (not kept), so it reads the 401 instead of a reset connection.
 * The guard then finds the request authenticated already.
 */
@Injectable()
export class AuthenticateBeforeBody implements NestMiddleware {
  constructor(@Inject(TenantAuthGuard) private readonly auth: TenantAuthGuard) {}

  async use(request: Request, _response: Response, next: NextFunction): Promise<void> {
    try {
      (request as AuthenticatedRequest).tenantId = await this.auth.authenticate(request);
    } catch (error) {
      request.resume();
      throw error;
    }
    next();
  }
}
