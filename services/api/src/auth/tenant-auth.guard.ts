import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { TenantEntity } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { hashApiKey } from './api-key';

/** The tenant an authenticated request acts for; every query is scoped by it. */
export interface AuthenticatedRequest extends Request {
  tenantId: string;
}

export function bearerToken(request: Request): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** `Authorization: Bearer <api key>` names the tenant (CONTRACT §10); anything else is 401. */
@Injectable()
export class TenantAuthGuard implements CanActivate {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedException('missing API key: send Authorization: Bearer <api key>');
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneBy({ apiKeyHash: hashApiKey(token) });
    if (!tenant) throw new UnauthorizedException('unknown API key');
    request.tenantId = tenant.id;
    return true;
  }
}
