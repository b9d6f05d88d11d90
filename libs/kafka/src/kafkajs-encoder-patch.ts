import { kafkajsInternals } from './kafkajs-internals';

/**
 * kafkajs 2.2.4 encodes every record, and every header of every record, with an `Encoder` that
 * starts from `Buffer.alloc(512)`: a fresh, zero-filled ArrayBuffer each time, about 2 µs of CPU
 * with the garbage collection it causes, against 0.15 µs for a slice of Node's buffer pool. A
 * Flowline record carries at least two headers, so each produced record cost four or more such
 * allocations. This patch starts each encoder empty and grows it from the pool (decision 0035).
 *
 * Uninitialised bytes never leave an encoder: every write fills the bytes it reserves and the
 * encoder hands out only `buf.slice(0, offset)`; growing copies what was written.
 *
 * Guarded by kafkajs's exact version, as the coordinator patch is (decision 0034).
 */

interface EncoderClass {
  nextPowerOfTwo(value: number): number;
  prototype: { ensureAvailable(this: EncoderState, length: number): void };
}

interface EncoderState {
  buf: Buffer;
  offset: number;
}

/** The size kafkajs starts from: most records and headers fit without growing. */
const FIRST_SIZE = 512;

function applyPatch(): void {
  const load = kafkajsInternals('encoder', 'docs/decisions/0035-kafkajs-encoders-from-the-buffer-pool.md');
  const Encoder = load('kafkajs/src/protocol/encoder') as EncoderClass;
  // The constructor alone calls it (`Buffer.alloc(Encoder.nextPowerOfTwo(initialSize))`), since
  // `ensureAvailable` below no longer does: every encoder starts empty, without an allocation.
  Encoder.nextPowerOfTwo = () => 0;
  Encoder.prototype.ensureAvailable = function (this: EncoderState, length: number): void {
    const needed = this.offset + length;
    if (needed <= this.buf.length) return;
    // kafkajs's growth: the next power of two above what is needed.
    const grown = Buffer.allocUnsafe(Math.max(FIRST_SIZE, 2 ** (32 - Math.clz32(needed))));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  };
}

applyPatch();
