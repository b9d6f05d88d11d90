import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './tenant-auth.guard';

/** The id of the tenant the request's API key belongs to. */
export const CurrentTenant = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().tenantId,
);
