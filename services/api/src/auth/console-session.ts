import { createHash, createHmac, randomBytes } from 'node:crypto';
import { tokensEqual } from './api-key';

/**
 * The console's sign-in (decision 0019), as plain functions: the session token the cookie holds,
 * the CSRF token bound to it, the cookie's text, and when a session ends.
 */

export const SESSION_COOKIE = 'flowline_session';
/** The header a cookie-authenticated request that changes state must carry. */
export const CSRF_HEADER = 'x-csrf-token';
/** Methods that change nothing: they need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface SessionLifetime {
  /** A session ends this long after its last request. */
  idleSeconds: number;
  /** …and this long after sign-in, however active. */
  maxSeconds: number;
}

export interface SessionTimes {
  createdAt: Date;
  expiresAt: Date;
}

export function generateSessionToken(): string {
  return `fls_${randomBytes(32).toString('base64url')}`;
}

/** What the database keeps: a leaked table does not sign anyone in. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The CSRF token of a session: derived from the session token, so it needs no storage, changes
 * with every sign-in, and is worthless without the cookie (which scripts cannot read).
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('flowline-console-csrf').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, given: string | undefined): boolean {
  return given !== undefined && given.length > 0 && tokensEqual(given, csrfTokenFor(sessionToken));
}

export function needsCsrfToken(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

export function newSessionTimes(now: Date, lifetime: SessionLifetime): SessionTimes {
  return { createdAt: now, expiresAt: new Date(now.getTime() + lifetime.idleSeconds * 1000) };
}

export function isSessionLive(session: SessionTimes, now: Date, lifetime: SessionLifetime): boolean {
  return now < session.expiresAt && now.getTime() < session.createdAt.getTime() + lifetime.maxSeconds * 1000;
}

/**
 * The new expiry after a request, or undefined when it need not move: only once half the idle
 * time has passed, so an active console writes the row a few times an hour, not per request.
 * Never beyond the session's maximum age.
 */
export function extendedExpiry(session: SessionTimes, now: Date, lifetime: SessionLifetime): Date | undefined {
  const idleMs = lifetime.idleSeconds * 1000;
  if (session.expiresAt.getTime() - now.getTime() > idleMs / 2) return undefined;
  const cap = session.createdAt.getTime() + lifetime.maxSeconds * 1000;
  const next = Math.min(now.getTime() + idleMs, cap);
  return next > session.expiresAt.getTime() ? new Date(next) : undefined;
}

/** The value of one cookie in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * The session cookie: unreadable by scripts (HttpOnly), never sent by another site's pages
 * (SameSite=Strict), HTTPS-only when the console is served over HTTPS. No Max-Age: the server's
 * expiry is the one that counts, and the cookie goes when the browser closes.
 */
export function sessionCookie(token: string, secure: boolean): string {
  return [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join(
    '; ',
  );
}

export function clearedSessionCookie(secure: boolean): string {
  return [
    `${SESSION_COOKIE}=`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    'Max-Age=0',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
