import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformFileSync } from '@swc/core';
import fc from 'fast-check';
import type { Message, PartitionMetadata } from 'kafkajs';
import { crc32c } from './crc32c';
import { groupMessagesPerPartition } from './kafkajs-producer-patch';

// kafkajs's own, through jest's module registry, which the patch (in Node's cache) does not reach.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as (bytes: Buffer) => number;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsGroup = require('kafkajs/src/producer/groupMessagesPerPartition') as typeof groupMessagesPerPartition;

describe('CRC-32C eight bytes a step (decision 0040)', () => {
  it('gives the standard check value', () => {
    // RFC 3720, B.4: CRC-32C of the ASCII digits 1 to 9.
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it("equals kafkajs's byte-at-a-time CRC for any bytes, at any offset into their buffer", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(7), (bytes, skip) => {
        const buffer = Buffer.from(bytes).subarray(Math.min(skip, bytes.length));
        expect(crc32c(buffer)).toBe(kafkajsCrc32C(buffer));
      }),
      { numRuns: 500 },
    );
  });
});

describe("kafkajs's messages grouped by partition in linear time (decision 0040)", () => {
  const partitionMetadata = (count: number) =>
    Array.from({ length: count }, (_, partitionId) => ({ partitionId }) as PartitionMetadata);

  it('groups exactly as kafkajs does: the same partitions, in the same order, each message in its order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: fc.string({ maxLength: 8 }) }), {
          maxLength: 300,
        }),
        (partitions, records) => {
          const messages: Message[] = records.map((record) => ({ ...record }));
          const args = {
            topic: 'events',
            partitionMetadata: partitionMetadata(partitions),
            messages,
            partitioner: ({ message }: { message: Message }) => (message.key as string).length % partitions,
          };
          const ours = groupMessagesPerPartition(args);
          const theirs = kafkajsGroup(args);
          expect(Object.keys(ours)).toEqual(Object.keys(theirs));
          for (const partition of Object.keys(theirs))
            expect(ours[Number(partition)]).toEqual(theirs[Number(partition)]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('groups nothing for a topic without partitions, as kafkajs does', () => {
    const args = { topic: 't', partitionMetadata: [], messages: [{ value: 'x' }], partitioner: () => 0 };
    expect(groupMessagesPerPartition(args)).toEqual(kafkajsGroup(args));
  });
});

describe('the produce path patch in Node’s module cache (decision 0040)', () => {
  // jest loads modules through its own registry, which Node's cache does not feed: the patch is
  // checked in plain \`node\` children, on this directory's modules compiled to a scratch directory.
  let compiled: string;
  beforeAll(() => {
    compiled = mkdtempSync(join(tmpdir(), 'producer-patch-'));
    for (const name of ['crc32c', 'kafkajs-internals', 'kafkajs-producer-patch']) {
      const { code } = transformFileSync(join(__dirname, `${name}.ts`), {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      writeFileSync(join(compiled, `${name}.js`), code);
    }
  });
  afterAll(() => rmSync(compiled, { recursive: true, force: true }));

  /** Runs `steps` in a child and answers what it printed: `producerPatchInEffect()` as `patch` is in scope. */
  const inChild = (steps: string): string =>
    execFileSync(
      process.execPath,
      ['-e', `const patch = () => require(${JSON.stringify(join(compiled, 'kafkajs-producer-patch.js'))}); ${steps}`],
      {
        env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') },
      },
    )
      .toString()
      .trim();

  it('reaches kafkajs when it is in place before kafkajs loads, also its modules loaded on first use', () => {
    expect(
      inChild(`
        const { producerPatchInEffect } = patch();
        require('kafkajs');
        const before = producerPatchInEffect();
        require('kafkajs/src/protocol/recordBatch/v0');
        console.log(before, producerPatchInEffect());`),
    ).toBe('true true');
  });

  it('leaves kafkajs its own functions, and says so, when kafkajs loaded first', () => {
    expect(
      inChild(`
        require('kafkajs');
        require('kafkajs/src/protocol/recordBatch/v0');
        console.log(patch().producerPatchInEffect());`),
    ).toBe('false');
  });
});
