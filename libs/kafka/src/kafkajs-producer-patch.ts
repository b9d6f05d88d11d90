import Module from 'node:module';
import type { Message, PartitionMetadata } from 'kafkajs';
import { crc32c } from './crc32c';
import { kafkajsInternals } from './kafkajs-internals';

/**
 * Two functions on kafkajs 2.2.4's produce path cost the composed pipeline about 3.6 % of its
 * process's busy time between them (issue 13, decision 0040):
 *
 * - `groupMessagesPerPartition` copies a partition's whole list for each message it adds
 *   (`[...current, message]`): quadratic in the messages a request carries for one partition;
 * - the record batch's CRC-32C is computed a byte at a time.
 *
 * kafkajs's modules take both with `require` once, as they load (`sendMessages.js`,
 * `recordBatch/v0/index.js`), so no later assignment reaches them: the replacements go into
 * Node's module cache before kafkajs loads, which is why `index.ts` imports this module first.
 * A process that loads kafkajs before `@flowline/kafka` keeps kafkajs's own: slower, never
 * different (`producerPatchInEffect` says which). Both give exactly kafkajs's results
 * (`kafkajs-producer-patch.spec.ts`).
 */

interface GroupArguments {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  messages: Message[];
  partitioner: (args: { topic: string; partitionMetadata: PartitionMetadata[]; message: Message }) => number;
}

/** kafkajs's grouping of a topic's messages by partition, in their order, in linear time. */
export function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: GroupArguments): Record<number, Message[]> {
  if (partitionMetadata.length === 0) return {};
  const grouped: Record<number, Message[]> = {};
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (grouped[partition] ??= []).push(message);
  }
  return grouped;
}

/** Each replaced module, by the module that takes it as it loads. */
const REPLACEMENTS = [
  {
    module: 'kafkajs/src/producer/groupMessagesPerPartition',
    takenBy: 'kafkajs/src/producer/sendMessages',
    exports: groupMessagesPerPartition,
  },
  {
    // Its `index.js` answers the unsigned CRC of a record batch, as `crc32c` does.
    module: 'kafkajs/src/protocol/recordBatch/crc32C',
    takenBy: 'kafkajs/src/protocol/recordBatch/v0',
    exports: crc32c,
  },
];

const DECISION = 'docs/decisions/0040-kafkajs-produce-path-in-linear-time.md';

/**
 * Puts the replacements into the module cache of `load` where kafkajs has not loaded them yet
 * (where it has, its own stay: see above).
 */
export function patchProducerModules(load: NodeJS.Require = kafkajsInternals('producer', DECISION)): void {
  for (const replacement of REPLACEMENTS) {
    const file = load.resolve(replacement.module);
    if (load.cache[file]) continue;
    const module = new Module(file);
    module.filename = file;
    module.exports = replacement.exports;
    module.loaded = true;
    load.cache[file] = module;
  }
}

/**
 * Whether kafkajs, as loaded in this process, produces through the replacements: each is in the
 * cache, and a module that took it already (kafkajs loads some of them on first use) took it.
 */
export function producerPatchInEffect(load: NodeJS.Require = kafkajsInternals('producer', DECISION)): boolean {
  return REPLACEMENTS.every(({ module, takenBy, exports }) => {
    if (load.cache[load.resolve(module)]?.exports !== exports) return false;
    const taker = load.cache[load.resolve(takenBy)];
    return !taker || taker.children.some((child) => child.exports === exports);
  });
}

patchProducerModules();
