import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { CSRF_HEADER, csrfTokenMatches, needsCsrfToken, readCookie, SESSION_COOKIE } from './console-session';
import { ConsoleSessionStore } from './console-session-store';
import { TenantKeys } from './tenant-keys';

/** The tenant an authenticated request acts for; every query is scoped by it. */
export interface AuthenticatedRequest extends Request {
  tenantId: string;
}

export function bearerToken(request: Request): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

export function sessionToken(request: Request): string | undefined {
  return readCookie(request.headers.cookie, SESSION_COOKIE);
}

/**
 * `Authorization: Bearer <api key>` names the tenant (docs/CONTRACT.md §10); so does the console's session
 * cookie (decision 0019), whose requests that change state must also carry the session's CSRF
 * token in `X-CSRF-Token` (else 403). Anything else is 401. A key in the header wins over a cookie.
 */
@Injectable()
export class TenantAuthGuard implements CanActivate {
  constructor(
    @Inject(TenantKeys) private readonly keys: TenantKeys,
    @Inject(ConsoleSessionStore) private readonly sessions: ConsoleSessionStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerToken(request);
    if (key) {
      request.tenantId = await this.tenantOfKey(key);
      return true;
    }
    const session = sessionToken(request);
    if (session) {
      request.tenantId = await this.tenantOfSession(request, session);
      return true;
    }
    throw new UnauthorizedException('missing API key: send Authorization: Bearer <api key>, or sign in to the console');
  }

  private async tenantOfKey(key: string): Promise<string> {
    const tenant = await this.keys.tenantOf(key);
    if (!tenant) throw new UnauthorizedException('unknown API key');
    return tenant.id;
  }

  private async tenantOfSession(request: Request, token: string): Promise<string> {
    const session = await this.sessions.find(token, new Date());
    if (!session) throw new UnauthorizedException('the console session has ended: sign in again');
    if (needsCsrfToken(request.method) && !csrfTokenMatches(token, headerValue(request, CSRF_HEADER)))
      throw new ForbiddenException(`missing or wrong ${CSRF_HEADER} header: a change needs the session's CSRF token`);
    return session.tenantId;
  }
}

function headerValue(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? undefined : value;
}
