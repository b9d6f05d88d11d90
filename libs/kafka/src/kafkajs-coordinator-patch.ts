import { KafkaJSError } from 'kafkajs';
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
 * no coordinator at all fails as a retriable error, so kafkajs restarts the consumer.
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
 * A join that failed because no broker knew the group's coordinator, as a retriable error without
 * its cause; any other error as it is. kafkajs's `joinAndSync` gives up after its retries (about
 * six seconds) with `KafkaJSGroupCoordinatorNotFound`, which is not retriable: the consumer then
 * crashed for good and the process exited, while brokers were restarting one after another (the
 * fault suite's outage, 2026-12-03). Retriable, kafkajs restarts the consumer and joins again once
 * a coordinator is elected, as after any other failure of a cluster that comes back.
 */
export function joinFailureToRetry(error: unknown): unknown {
  let root = error as { name?: string; cause?: unknown } | undefined;
  while (root?.cause !== undefined) root = root.cause as typeof root;
  if (root?.name !== 'KafkaJSGroupCoordinatorNotFound') return error;
  return new KafkaJSError(`the group's coordinator was not found: ${(error as Error).message}`, { retriable: true });
}

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
          return await original.apply(this, args);
        } catch (error) {
          throw joinFailureToRetry(error);
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
