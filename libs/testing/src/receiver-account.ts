/** One request a receiver got, as far as the fault suite's checks need it. */
export interface SeenRequest {
  webhookId: string;
  body: string;
  receivedAt: number;
  /** The status it was answered with (a hung request counts as answered 2xx only if it was). */
  status: number;
}

/** What a receiver's operator would check after a fault: one line of figures and the evidence. */
export interface ReceiverAccount {
  /** Distinct webhook-ids answered 2xx. */
  accepted: number;
  /** Requests received in all. */
  requests: number;
  /** Requests beyond the first of each webhook-id (redeliveries). */
  duplicates: number;
  /** webhook-ids received again with another body. */
  differingBodies: string[];
  /** webhook-ids received that the test never expected. */
  unexpected: string[];
  /** Subjects whose first attempts did not come in event order. */
  outOfOrderSubjects: string[];
}

/**
 * Checks a receiver's requests the way its operator would: every expected webhook-id answered
 * 2xx, a repeat only under the same webhook-id with the same body, and per subject the first
 * attempts in event order (`orderOf` reads a body's subject and its position in that subject's
 * sequence of events). `requests` come in the order the receiver got them.
 */
export function accountFor(
  requests: readonly SeenRequest[],
  expected: ReadonlySet<string>,
  orderOf: (body: string) => { subject: string; position: number },
): ReceiverAccount {
  const firstBody = new Map<string, string>();
  const accepted = new Set<string>();
  const differing = new Set<string>();
  const unexpected = new Set<string>();
  const lastPosition = new Map<string, number>();
  const outOfOrder = new Set<string>();
  // In the order given, the receiver's arrival order: sorting by `receivedAt` (the wall clock)
  // would put requests on either side of a backwards clock step out of order.
  for (const request of requests) {
    const { webhookId, body } = request;
    if (!expected.has(webhookId)) unexpected.add(webhookId);
    if (request.status >= 200 && request.status < 300) accepted.add(webhookId);
    const first = firstBody.get(webhookId);
    if (first !== undefined) {
      if (first !== body) differing.add(webhookId);
      continue;
    }
    firstBody.set(webhookId, body);
    const { subject, position } = orderOf(body);
    if ((lastPosition.get(subject) ?? -1) > position) outOfOrder.add(subject);
    lastPosition.set(subject, Math.max(position, lastPosition.get(subject) ?? -1));
  }
  return {
    accepted: [...accepted].filter((id) => expected.has(id)).length,
    requests: requests.length,
    duplicates: requests.length - firstBody.size,
    differingBodies: [...differing],
    unexpected: [...unexpected],
    outOfOrderSubjects: [...outOfOrder],
  };
}

/** The most requests in any one-second window that starts `afterMs` or later after the first request. */
export function busiestSecond(receivedAt: readonly number[], afterMs: number): number {
  const times = [...receivedAt].sort((a, b) => a - b);
  const from = (times[0] ?? 0) + afterMs;
  let most = 0;
  for (let first = 0, last = 0; last < times.length; last += 1) {
    if (times[last]! < from) {
      first = last + 1;
      continue;
    }
    while (times[last]! - times[first]! >= 1000) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/**
 * How long after `from` it took until `count` webhook-ids had been accepted (the work a fault
 * held up, done): from the times of the first 2xx of each webhook-id. Undefined if never.
 */
export function msUntilAccepted(firstAcceptedAt: readonly number[], count: number, from: number): number | undefined {
  if (count <= 0) return 0;
  const times = [...firstAcceptedAt].sort((a, b) => a - b);
  const at = times[count - 1];
  return at === undefined ? undefined : Math.max(0, at - from);
}
