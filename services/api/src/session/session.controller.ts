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
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, BODY_ERRORS } from '../common/openapi';
import type { Request, Response } from 'express';
import {
  clearedSessionCookie,
  CSRF_HEADER,
  csrfTokenFor,
  csrfTokenMatches,
  sessionCookie,
} from '../auth/console-session';
import { ConsoleSessionStore } from '../auth/console-session-store';
import { sessionToken } from '../auth/tenant-auth.guard';
import { TenantKeys } from '../auth/tenant-keys';
import { SessionDto, SignInDto } from './session.dto';

/** HTTPS as the browser sees it, also behind a proxy that ends TLS. */
function servedOverHttps(request: Request): boolean {
  return request.secure || request.headers['x-forwarded-proto'] === 'https';
}

/**
 * The console's sign-in (decision 0019): the API key is exchanged for an HttpOnly session cookie
 * and the session's CSRF token; the key itself is not kept by the browser.
 */
@ApiTags('session')
@Controller('session')
export class SessionController {
  constructor(
    @Inject(TenantKeys) private readonly keys: TenantKeys,
    @Inject(ConsoleSessionStore) private readonly sessions: ConsoleSessionStore,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Sign in to the console: the API key for an HttpOnly session cookie' })
  @ApiCreatedResponse({ type: SessionDto, description: 'signed in; the cookie is set' })
  @ApiErrors([...BODY_ERRORS, 401], { 401: { description: 'api_key is not the API key of any tenant' } })
  async signIn(
    @Body() body: SignInDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionDto> {
    const tenant = await this.keys.tenantOf(body.api_key);
    if (!tenant) throw new UnauthorizedException(['api_key is not the API key of any tenant']);
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
  @ApiOperation({ summary: 'The console session of the cookie sent' })
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors([401], { 401: { description: 'not signed in to the console (no cookie, or its session ended)' } })
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
  @ApiOperation({ summary: 'Sign out of the console: the session ends and the cookie is cleared' })
  @ApiNoContentResponse({ description: 'signed out (also when no session was open)' })
  @ApiErrors([403], { 403: { description: 'a session is open but X-CSRF-Token is missing or not its token' } })
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
