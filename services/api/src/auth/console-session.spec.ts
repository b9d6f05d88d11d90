import {
  clearedSessionCookie,
  csrfTokenFor,
  csrfTokenMatches,
  extendedExpiry,
  generateSessionToken,
  isSessionLive,
  needsCsrfToken,
  newSessionTimes,
  readCookie,
  sessionCookie,
} from './console-session';

const lifetime = { idleSeconds: 1800, maxSeconds: 8 * 3600 };
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000);

describe('console sessions', () => {
  it('binds the CSRF token to its session', () => {
    const one = generateSessionToken();
    const two = generateSessionToken();
    expect(one).not.toBe(two);
    expect(csrfTokenMatches(one, csrfTokenFor(one))).toBe(true);
    expect(csrfTokenMatches(one, csrfTokenFor(two))).toBe(false);
    expect(csrfTokenMatches(one, undefined)).toBe(false);
    expect(csrfTokenMatches(one, '')).toBe(false);
  });

  it.each([
    ['GET', false],
    ['HEAD', false],
    ['OPTIONS', false],
    ['POST', true],
    ['PUT', true],
    ['PATCH', true],
    ['DELETE', true],
    ['post', true],
  ])('%s needs a CSRF token: %s', (method, needed) => {
    expect(needsCsrfToken(method)).toBe(needed);
  });

  it('ends after the idle time, and after the maximum age however active', () => {
    const session = newSessionTimes(at(0), lifetime);
    expect(isSessionLive(session, at(29), lifetime)).toBe(true);
    expect(isSessionLive(session, at(30), lifetime)).toBe(false);
    const kept = { createdAt: at(0), expiresAt: at(8 * 60 + 20) };
    expect(isSessionLive(kept, at(8 * 60 - 1), lifetime)).toBe(true);
    expect(isSessionLive(kept, at(8 * 60), lifetime)).toBe(false);
  });

  it('moves the idle expiry on only once half of it has passed, never past the maximum age', () => {
    const session = newSessionTimes(at(0), lifetime);
    expect(extendedExpiry(session, at(10), lifetime)).toBeUndefined();
    expect(extendedExpiry(session, at(16), lifetime)).toEqual(at(46));
    const late = { createdAt: at(0), expiresAt: at(8 * 60 - 10) };
    expect(extendedExpiry(late, at(8 * 60 - 20), lifetime)).toEqual(at(8 * 60));
    const capped = { createdAt: at(0), expiresAt: at(8 * 60) };
    expect(extendedExpiry(capped, at(8 * 60 - 5), lifetime)).toBeUndefined();
  });

  it('reads its cookie among others', () => {
    expect(readCookie('a=1; flowline_session=fls_x; b=2', 'flowline_session')).toBe('fls_x');
    expect(readCookie('flowline_session=', 'flowline_session')).toBeUndefined();
    expect(readCookie('other_flowline_session=fls_x', 'flowline_session')).toBeUndefined();
    expect(readCookie(undefined, 'flowline_session')).toBeUndefined();
  });

  it('writes a cookie scripts cannot read and other sites cannot send, Secure over HTTPS', () => {
    expect(sessionCookie('fls_x', false)).toBe('flowline_session=fls_x; Path=/; HttpOnly; SameSite=Strict');
    expect(sessionCookie('fls_x', true)).toMatch(/; Secure$/);
    expect(clearedSessionCookie(false)).toBe('flowline_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });
});
