import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A tenant's API key: shown once at creation, stored only as its SHA-256. */
export function generateApiKey(): string {
  return `flk_${randomBytes(24).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Compares without leaking, through timing, how much of a token matched. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
