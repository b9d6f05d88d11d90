import { accountFor, busiestSecond, msUntilAccepted, SeenRequest } from './receiver-account';

const orderOf = (body: string) => {
  const parsed = JSON.parse(body) as { lead: string; sequence: number };
  return { subject: parsed.lead, position: parsed.sequence };
};
const body = (lead: string, sequence: number) => JSON.stringify({ lead, sequence });
const seen = (webhookId: string, bodyText: string, receivedAt: number, status = 200): SeenRequest => ({
  webhookId,
  body: bodyText,
  receivedAt,
  status,
});

describe('a receiver account', () => {
  it('counts accepted webhook-ids and duplicates, and finds nothing wrong in a clean run', () => {
    const account = accountFor(
      [
        seen('w1', body('a', 0), 1, 503),
        seen('w2', body('b', 1), 2),
        seen('w1', body('a', 0), 3),
        seen('w3', body('a', 2), 4),
      ],
      new Set(['w1', 'w2', 'w3']),
      orderOf,
    );
    expect(account).toEqual({
      accepted: 3,
      requests: 4,
      duplicates: 1,
      differingBodies: [],
      unexpected: [],
      outOfOrderSubjects: [],
    });
  });

  it('names a repeat with another body, an unexpected webhook-id and a subject whose first attempts went out of order', () => {
    const account = accountFor(
      [
        seen('w2', body('a', 2), 1),
        seen('w1', body('a', 1), 2),
        seen('w2', body('a', 3), 3),
        seen('x', body('b', 0), 4),
      ],
      new Set(['w1', 'w2']),
      orderOf,
    );
    expect(account.differingBodies).toEqual(['w2']);
    expect(account.unexpected).toEqual(['x']);
    expect(account.outOfOrderSubjects).toEqual(['a']);
    expect(account.accepted).toBe(2);
  });

  it('does not count a webhook-id that was never answered 2xx', () => {
    expect(accountFor([seen('w1', body('a', 0), 1, 500)], new Set(['w1']), orderOf).accepted).toBe(0);
  });
});

describe('busiestSecond', () => {
  it('finds the most requests in any one-second window after the first second', () => {
    // A burst of 10 in the first second (ignored), then 5 within 999 ms, then 3.
    const burst = Array.from({ length: 10 }, (_, i) => i);
    const later = [2_000, 2_200, 2_400, 2_600, 2_999, 4_000, 4_500, 4_999];
    expect(busiestSecond([...later, ...burst], 1_000)).toBe(5);
    expect(busiestSecond([...later, ...burst], 0)).toBe(10);
    expect(busiestSecond([], 1_000)).toBe(0);
  });

  it('counts a window as one second open at its end', () => {
    expect(busiestSecond([0, 1_000, 1_999, 2_000], 0)).toBe(2);
  });
});

describe('msUntilAccepted', () => {
  it('answers when the n-th webhook-id was first accepted, counted from a moment', () => {
    expect(msUntilAccepted([500, 100, 300], 2, 50)).toBe(250);
    expect(msUntilAccepted([500, 100, 300], 0, 50)).toBe(0);
    expect(msUntilAccepted([100], 2, 0)).toBeUndefined();
    expect(msUntilAccepted([100], 1, 400)).toBe(0);
  });
});
