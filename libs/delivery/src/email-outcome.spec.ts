import { classifyOutcome } from './classify-outcome';
import { classifySmtpOutcome, SmtpResult, smtpEquivalent } from './email-outcome';

const reply = (code: number, text = ''): SmtpResult => ({ kind: 'reply', code, text });

describe('what an SMTP attempt means (decided by classifyOutcome)', () => {
  it.each([
    [250, { kind: 'success' }],
    [251, { kind: 'success' }],
    [421, { kind: 'retry', category: 'system' }],
    [450, { kind: 'retry', category: 'system' }],
    [451, { kind: 'retry', category: 'system' }],
    [452, { kind: 'retry', category: 'system' }],
    [503, { kind: 'retry', category: 'system' }],
    [550, { kind: 'permanent', category: 'general', pauseConnection: false }],
    [552, { kind: 'permanent', category: 'general', pauseConnection: false }],
    [554, { kind: 'permanent', category: 'general', pauseConnection: false }],
    [354, { kind: 'retry', category: 'system' }],
  ])('reply %i', (code, expected) => {
    expect(classifySmtpOutcome(reply(code), 0)).toMatchObject(expected);
  });

  it('goes through classifyOutcome: the same decision as the equivalent HTTP result', () => {
    for (const result of [reply(250), reply(451), reply(550), reply(503)]) {
      const { kind } = classifySmtpOutcome(result, 0);
      expect(kind).toBe(classifyOutcome(smtpEquivalent(result), 0).kind);
    }
  });

  it('retries timeouts and connection errors, and gives up at once on a misconfigured transport', () => {
    expect(classifySmtpOutcome({ kind: 'error', code: 'timeout', message: 'ETIMEDOUT: greeting' }, 0)).toEqual({
      kind: 'retry',
      category: 'connection',
      reason: 'timeout: ETIMEDOUT: greeting',
    });
    expect(classifySmtpOutcome({ kind: 'error', code: 'connection', message: 'ESOCKET: refused' }, 0)).toEqual({
      kind: 'retry',
      category: 'connection',
      reason: 'connection: ESOCKET: refused',
    });
    expect(classifySmtpOutcome({ kind: 'error', code: 'config', message: 'EAUTH: no credentials' }, 0)).toEqual({
      kind: 'permanent',
      category: 'config',
      pauseConnection: false,
      reason: 'config: EAUTH: no credentials',
    });
    expect(
      classifySmtpOutcome({ kind: 'error', code: 'rejected', message: 'EENVELOPE: no recipients' }, 0),
    ).toMatchObject({ kind: 'permanent', category: 'general', reason: 'message refused: EENVELOPE: no recipients' });
  });

  it("gives the reason in SMTP's terms, never as an HTTP status", () => {
    expect(classifySmtpOutcome(reply(451, '4.7.1 Greylisted, try again'), 0)).toEqual({
      kind: 'retry',
      category: 'system',
      reason: 'SMTP 451: 4.7.1 Greylisted, try again',
    });
    expect(classifySmtpOutcome(reply(550), 0)).toMatchObject({ reason: 'SMTP 550' });
  });
});
