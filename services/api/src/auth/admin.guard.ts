import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { FlowlineEnv } from '@flowline/config';
import { tokensEqual } from './api-key';
import { bearerToken } from './tenant-auth.guard';

/** The operator's `FLOWLINE_ADMIN_TOKEN`; without one configured, admin calls are disabled. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(FlowlineEnv) private readonly config: FlowlineEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.FLOWLINE_ADMIN_TOKEN;
    if (expected === undefined)
      throw new ForbiddenException('tenant creation is disabled: FLOWLINE_ADMIN_TOKEN is not set');
    const token = bearerToken(context.switchToHttp().getRequest<Request>());
    if (!token || !tokensEqual(token, expected)) throw new UnauthorizedException('missing or wrong admin token');
    return true;
  }
}
