import type { KnownDelivery } from '@flowline/db';
import {
  intakeNew,
  intakeRetry,
  NewRecordDecision,
  parkBehindHeldLanes,
  RetryRecordDecision,
  splitDue,
} from './intake';

const ORIGIN = 'flowline.deliveries/3/41';
const REPLAY = 'flowline.deliveries/3/977';
const LANE = '["acme","conn","lead-1"]';

const known = (overrides: Partial<KnownDelivery>): KnownDelivery => ({
  status: 'retrying',
  retryCount: 0,
  lane: LANE,
  nextAttemptAt: 5_000,
  origin: ORIGIN,
  ...overrides,
});

describe('intake of a record of flowline.deliveries', () => {
  const fresh = { resubmit: false, dueAt: 0, origin: ORIGIN };
  const replayed = { ...fresh, origin: REPLAY };
  const submit = (dueAt: number) => ({ resubmit: true, dueAt, origin: REPLAY });
  const attempt: NewRecordDecision = { kind: 'attempt', retriesSoFar: 0, fromQueue: false, resubmitted: false };

  it.each<[string, Parameters<typeof intakeNew>[0], KnownDelivery | undefined, NewRecordDecision]>([
    ['a delivery never seen is attempted', fresh, undefined, attempt],
    [
      "an operator's submit still current is attempted at once, its retries so far kept",
      submit(5_000),
      known({ retryCount: 2 }),
      { kind: 'attempt', retriesSoFar: 2, fromQueue: true, resubmitted: true },
    ],
    [
      'a submit a later submit superseded is skipped',
      submit(4_000),
      known({}),
      { kind: 'skip', why: 'submit-superseded' },
    ],
    [
      'a submit whose delivery was attempted since is skipped',
      submit(5_000),
      known({ status: 'succeeded', nextAttemptAt: null }),
      { kind: 'skip', why: 'submit-superseded' },
    ],
    [
      'a submit of a delivery never stored is skipped',
      submit(5_000),
      undefined,
      { kind: 'skip', why: 'submit-superseded' },
    ],
    [
      'seen again after a crash, delivered: not sent twice',
      fresh,
      known({ status: 'succeeded', nextAttemptAt: null }),
      { kind: 'skip', why: 'settled-before-crash' },
    ],
    [
      'seen again after a crash, abandoned: not sent again',
      fresh,
      known({ status: 'abandoned', nextAttemptAt: null }),
      { kind: 'skip', why: 'settled-before-crash' },
    ],
    [
      'seen again after a crash, waiting for its first retry: the retry record is produced again',
      fresh,
      known({ retryCount: 0, nextAttemptAt: 7_000 }),
      { kind: 'reproduce-retry', retry: 1, dueAt: 7_000 },
    ],
    [
      'seen again after a crash, waiting for its third retry: retry 3 is produced again',
      fresh,
      known({ retryCount: 3, nextAttemptAt: 9_000 }),
      { kind: 'reproduce-retry', retry: 3, dueAt: 9_000 },
    ],
    [
      'seen again after a crash, held behind its lane: it waits',
      fresh,
      known({ status: 'held' }),
      { kind: 'skip', why: 'waiting' },
    ],
    [
      'seen again while a release sends it: it waits',
      fresh,
      known({ status: 'sending' }),
      { kind: 'skip', why: 'waiting' },
    ],
    ['a replay of a delivery waiting for a retry: it waits', replayed, known({}), { kind: 'skip', why: 'waiting' }],
    ['a replay of a delivered delivery is sent again', replayed, known({ status: 'succeeded' }), attempt],
    ['a replay of a failed delivery is sent again', replayed, known({ status: 'failed' }), attempt],
  ])('%s', (_name, record, state, decision) => {
    expect(intakeNew(record, state)).toEqual(decision);
  });
});

describe('intake of a due record of a retry topic', () => {
  it.each<[string, KnownDelivery | undefined, RetryRecordDecision]>([
    ['current: attempted with its retries so far', known({ retryCount: 2 }), { kind: 'attempt', retriesSoFar: 2 }],
    ['stale: a submit or the sweeper moved its due time', known({ nextAttemptAt: 6_000 }), { kind: 'skip' }],
    [
      'stale, and its delivery settled: its lane is released in case a crash cut that short',
      known({ status: 'succeeded', nextAttemptAt: null }),
      { kind: 'release-lane', lane: LANE },
    ],
    ['stale, settled, without ordering: nothing to release', known({ status: 'failed', lane: null }), { kind: 'skip' }],
    ['stale: held behind its lane since', known({ status: 'held' }), { kind: 'skip' }],
    ['unknown to the store (another installation): skipped', undefined, { kind: 'skip' }],
  ])('%s', (_name, state, decision) => {
    expect(intakeRetry(5_000, state)).toEqual(decision);
  });
});

describe('a retry chunk', () => {
  const due = (at: number) => ({ at });
  it.each([
    ['all due: attempted, nothing to wait for', [due(1), due(2)], { due: [due(1), due(2)] }],
    [
      'one not due: the due ones behind it are attempted, the partition waits for the earliest not due',
      [due(1), due(50), due(3), due(40)],
      { due: [due(1), due(3)], wait: { handled: 1, pauseUntil: 40 } },
    ],
    ['none due: nothing handled', [due(20)], { due: [], wait: { handled: 0, pauseUntil: 20 } }],
  ])('%s', (_name, records, plan) => {
    expect(splitDue(records, (record) => record.at, 10)).toEqual(plan);
  });
});

describe('parking behind held lanes', () => {
  it('parks the jobs of held lanes, never a submit (the head of its lane) nor a job without ordering', () => {
    const jobs = [
      { id: 'behind', lane: LANE, resubmitted: false },
      { id: 'submitted', lane: LANE, resubmitted: true },
      { id: 'unordered', lane: null, resubmitted: false },
      { id: 'free', lane: 'other', resubmitted: false },
    ];
    expect(parkBehindHeldLanes(jobs, new Set([LANE])).map((job) => job.id)).toEqual(['behind']);
  });
});
