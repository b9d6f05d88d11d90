import fc from 'fast-check';
import { PartitionMetadata, Partitioners } from 'kafkajs';
import { KeyPartitioner, murmur2 } from './key-partitioner';

// kafkajs's own hash (through 64-bit Longs), the reference this one must match bit for bit.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;

function partitions(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
}

describe('murmur2', () => {
  it("matches the Java client's values", () => {
    // From Kafka's UtilsTest.testMurmur2 (the Java client's own test vectors).
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
  });

  it("equals kafkajs's hash on any bytes and any text", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const key = Buffer.from(bytes);
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        expect(murmur2(text)).toBe(kafkajsMurmur2(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('KeyPartitioner', () => {
  it("puts a keyed record where kafkajs's DefaultPartitioner (the Java client) puts it", () => {
    const ours = KeyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.integer({ min: 1, max: 64 }), (key, count) => {
        const args = { topic: 't', partitionMetadata: partitions(count), message: { key, value: null } };
        expect(ours(args)).toBe(theirs(args));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a given partition, and spreads records without a key over the partitions', () => {
    const ours = KeyPartitioner();
    const metadata = partitions(6);
    expect(ours({ topic: 't', partitionMetadata: metadata, message: { key: 'k', partition: 4, value: null } })).toBe(4);
    const chosen = new Set(
      Array.from({ length: 60 }, () => ours({ topic: 't', partitionMetadata: metadata, message: { value: null } })),
    );
    expect(chosen.size).toBe(6);
  });
});
