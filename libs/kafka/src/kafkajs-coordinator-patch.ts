import { KafkaJSError, KafkaJSNonRetriableError } from 'kafkajs';
import { kafkajsInternals } from './kafkajs-internals';
import { withTimeout } from './with-timeout';

/**
 * kafkajs 2.2.4 finds a consumer group's coordinator only when it joins the group. If the
 * coordinator's broker dies, every commit and heartbeat of that generation goes to the dead node
 * (`Broker N not found in the cached metadata`) until the consumer's retries run out and it
 * restarts as a new member. Meanwhile every chunk it handled stays uncommitted and is handled
 * again. The Java consumer instead marks the coordinator unknown and finds it again, and the new
 * coordinator takes the same generation's commits. This patch does the same: a consumer group
 * whose coordinator connection is gone, or whose last commit failed, asks the cluster for the
 * group's coordinator before its next commit, heartbeat or leave (decision 0034). A join that finds
 * no coordinator at all restarts the consumer rather than ending the process (for five minutes).
 *
 * kafkajs is unmaintained, so the fix lives here, guarded by its exact version: another version
 * stops the process at start, so an upgrade cannot drop the patch silently.
 */

interface CoordinatorBroker {
  isConnected(): boolean;
}

interface GroupCluster {
  findGroupCoordinator(options: { groupId: string }): Promise<CoordinatorBroker>;
}

/** The fields of kafkajs's `OffsetManager` and `ConsumerGroup` the patch touches. */
interface HasCoordinator {
  cluster: GroupCluster;
  groupId: string;
  coordinator: CoordinatorBroker | null;
  /** `ConsumerGroup` only: null until it joined. */
  memberId?: string | null;
  coordinatorInDoubt?: boolean;
  /** The lookup in flight, shared by every caller. */
  coordinatorLookup?: Promise<void>;
}

type Method = (this: HasCoordinator, ...args: unknown[]) => Promise<unknown>;

interface PatchedPrototype {
  prototype: Record<string, Method>;
}

/**
 * How long a commit, heartbeat or leave waits for the lookup. kafkajs's own lookup retries for up
 * to about a minute while no broker answers; a caller gives up sooner with a retriable error, and
 * the lookup goes on for the next caller.
 */
const LOOKUP_WAIT_MS = 5_000;

/** Finds the group's coordinator again when its connection is gone or a commit to it failed. */
async function currentCoordinator(self: HasCoordinator): Promise<void> {
  if (self.coordinator !== null && !self.coordinatorInDoubt && self.coordinator.isConnected()) return;
  self.coordinatorInDoubt = false;
  self.coordinatorLookup ??= self.cluster
    .findGroupCoordinator({ groupId: self.groupId })
    .then((coordinator) => {
      self.coordinator = coordinator;
    })
    .finally(() => {
      self.coordinatorLookup = undefined;
    });
  try {
    await withTimeout(self.coordinatorLookup, LOOKUP_WAIT_MS);
  } catch (error) {
    // Retriable, and without the cause: kafkajs restarts a crashed consumer only when the root
    // cause is retriable, and some lookup failures are not (no broker knows the coordinator yet).
    self.coordinatorInDoubt = true;
    throw new KafkaJSError(`the group's coordinator was not found: ${(error as Error).message}`, { retriable: true });
  }
}

/**
 * How long a group may go without a coordinator before a join's failure ends the process after
 * all. kafkajs reports a group it is not authorised for with the same error as one whose
 * coordinator is not elected yet; past this, the orchestrator is told (the process exits).
 */
export const COORDINATOR_OUTAGE_LIMIT_MS = 5 * 60_000;

/**
 * A join that failed because no broker knew the group's coordinator, as an error that ends the
 * consumer's own retries but restarts the consumer: not retriable itself (kafkajs's runner would
 * otherwise retry the rejoin inside the old consumer, still fetching for a membership that is
 * gone), with a retriable root cause (what kafkajs's crash handler reads to restart). kafkajs's
 * `joinAndSync` gives up after its retries (about six seconds) with
 * `KafkaJSGroupCoordinatorNotFound`, not retriable: the consumer crashed for good and the process
 * exited while brokers were restarting one after another (the fault suite's outage, 2026-12-03).
 * `outageMs` is how long the group has been failing to join; past the limit, and for any other
 * error, the error is answered as it is.
 */
export function joinFailureToRestart(error: unknown, outageMs: number): unknown {
  let root = error as { name?: string; cause?: unknown } | undefined;
  while (root?.cause !== undefined) root = root.cause as typeof root;
  if (root?.name !== 'KafkaJSGroupCoordinatorNotFound' || outageMs > COORDINATOR_OUTAGE_LIMIT_MS) return error;
  const message = `the group's coordinator was not found: ${(error as Error).message}`;
  return new NonRetriableWithCause(message, { cause: new KafkaJSError(message, { retriable: true }) });
}

/** kafkajs's constructor takes a cause (as its retrier passes it); its typings leave it out. */
const NonRetriableWithCause = KafkaJSNonRetriableError as unknown as new (
  message: string,
  options: { cause: Error },
) => KafkaJSNonRetriableError;

/** Since when each group has failed to join for want of a coordinator (cleared by a join). */
const failingSince = new Map<string, number>();

function wrap(target: PatchedPrototype, name: string, around: (original: Method) => Method): void {
  const original = target.prototype[name];
  if (typeof original !== 'function') throw new Error(`kafkajs has no ${name} to patch`);
  target.prototype[name] = around(original);
}

function applyPatch(): void {
  const load = kafkajsInternals('coordinator', 'docs/decisions/0034-find-a-moved-group-coordinator.md');
  const OffsetManager = load('kafkajs/src/consumer/offsetManager') as PatchedPrototype;
  const ConsumerGroup = load('kafkajs/src/consumer/consumerGroup') as PatchedPrototype;

  wrap(
    OffsetManager,
    'getCoordinator',
    () =>
      async function (this: HasCoordinator) {
        await currentCoordinator(this);
        return this.coordinator;
      },
  );
  wrap(
    OffsetManager,
    'commitOffsets',
    (original) =>
      async function (this: HasCoordinator, ...args: unknown[]) {
        try {
          return await original.apply(this, args);
        } catch (error) {
          // A timeout leaves the connection up: only asking again tells whether the node still coordinates.
          this.coordinatorInDoubt = true;
          throw error;
        }
      },
  );
  wrap(
    ConsumerGroup,
    'joinAndSync',
    (original) =>
      async function (this: HasCoordinator, ...args: unknown[]) {
        try {
          const joined = await original.apply(this, args);
          failingSince.delete(this.groupId);
          return joined;
        } catch (error) {
          const since = failingSince.get(this.groupId) ?? Date.now();
          failingSince.set(this.groupId, since);
          throw joinFailureToRestart(error, Date.now() - since);
        }
      },
  );
  for (const name of ['heartbeat', 'leave'])
    wrap(
      ConsumerGroup,
      name,
      (original) =>
        async function (this: HasCoordinator, ...args: unknown[]) {
          // Before the join (no member) neither sends anything, and there is nothing to find.
          if (this.memberId && this.coordinator !== null && !this.coordinator.isConnected())
            await currentCoordinator(this);
          return original.apply(this, args);
        },
    );
}

applyPatch();
