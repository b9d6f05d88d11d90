import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@flowline/runtime';
import {
  clearedSessionCookie,
  CSRF_HEADER,
  csrfTokenFor,
  csrfTokenMatches,
  sessionCookie,
} from '../auth/console-session';
import { ConsoleSessionStore } from '../auth/console-session-store';
import { findTenantByApiKey, sessionToken } from '../auth/tenant-auth.guard';
import { SessionDto, SignInDto } from './session.dto';

/** HTTPS as the browser sees it, also behind a proxy that ends TLS. */
function servedOverHttps(request: Request): boolean {
  return request.secure || request.headers['x-forwarded-proto'] === 'https';
}

/**
 * The console's sign-in (decision 0015): the API key is exchanged for an HttpOnly session cookie
 * and the session's CSRF token; the key itself is not kept by the browser.
 */
@ApiTags('session')
@Controller('session')
export class SessionController {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ConsoleSessionStore) private readonly sessions: ConsoleSessionStore,
  ) {}

  @Post()
  @HttpCode(201)
  async signIn(
    @Body() body: SignInDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionDto> {
    const tenant = await findTenantByApiKey(this.dataSource, body.api_key);
    if (!tenant) throw new UnauthorizedException({ message: ['api_key is not the API key of any tenant'] });
    const session = await this.sessions.open(tenant.id, new Date());
    response.setHeader('set-cookie', sessionCookie(session.token, servedOverHttps(request)));
    return {
      tenant: { id: tenant.id, name: tenant.name },
      csrf_token: csrfTokenFor(session.token),
      expires_at: session.expiresAt.toISOString(),
    };
  }

  /** The current session, so a reloaded console picks up where it was (the cookie is not readable). */
  @Get()
  async current(@Req() request: Request): Promise<SessionDto> {
    const token = sessionToken(request);
    const session = token ? await this.sessions.find(token, new Date()) : undefined;
    if (!token || !session) throw new UnauthorizedException('not signed in to the console');
    return {
      tenant: { id: session.tenantId, name: session.tenantName },
      csrf_token: csrfTokenFor(token),
      expires_at: session.expiresAt.toISOString(),
    };
  }

  /** Signs out: the session ends on the server and the cookie is cleared. */
  @Delete()
  @HttpCode(204)
  async signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const token = sessionToken(request);
    if (token && (await this.sessions.find(token, new Date()))) {
      const given = request.headers[CSRF_HEADER];
      if (!csrfTokenMatches(token, typeof given === 'string' ? given : undefined))
        throw new ForbiddenException(
          `missing or wrong ${CSRF_HEADER} header: signing out needs the session's CSRF token`,
        );
      await this.sessions.close(token);
    }
    response.setHeader('set-cookie', clearedSessionCookie(servedOverHttps(request)));
  }
}
