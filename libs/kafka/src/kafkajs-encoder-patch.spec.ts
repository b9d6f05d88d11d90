import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import './kafkajs-encoder-patch';

interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  offsetDelta: number;
}

/**
 * Encodes record batches with kafkajs, as loaded by `require`: with the patch in this process, and
 * without it in a plain `node` child (the same source, so the two are compared byte for byte).
 */
const ENCODE_BATCHES = `
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
  const bytes = (hex) => (hex === null ? null : Buffer.from(hex, 'hex'));
  async function encode(batches) {
    const out = [];
    for (const records of batches) {
      const batch = await RecordBatch({
        firstTimestamp: 1700000000000,
        maxTimestamp: 1700000000000,
        lastOffsetDelta: records.length - 1,
        records: records.map((r) => Record({ ...r, key: bytes(r.key), value: bytes(r.value) })),
      });
      out.push(batch.buffer.toString('hex'));
    }
    return out;
  }
`;

type Encode = (batches: unknown[]) => Promise<string[]>;

describe('the kafkajs encoder patch (decision 0035)', () => {
  // Lengths drawn over the whole range (fast-check prefers small ones), so encoders grow, once or more.
  const bytes = (max: number) =>
    fc.option(
      fc
        .tuple(fc.nat(max), fc.nat(255))
        .map(([length, seed]) => Buffer.from(Array.from({ length }, (_, index) => (seed + index * 31) % 256))),
    );
  const record = fc.record({
    key: bytes(40),
    value: bytes(6000),
    headers: fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 700, size: 'max' }), { maxKeys: 4 }),
    offsetDelta: fc.nat(1000),
  });
  const batches = fc.sample(fc.array(record, { minLength: 1, maxLength: 6 }), { numRuns: 300, seed: 35 });
  const asHex = batches.map((records: RecordInput[]) =>
    records.map((r) => ({ ...r, key: r.key?.toString('hex') ?? null, value: r.value?.toString('hex') ?? null })),
  );

  it('starts encoders empty in this process', () => {
    const Encoder = createRequire(__filename)('kafkajs/src/protocol/encoder') as new () => { buf: Buffer };
    expect(new Encoder().buf.length).toBe(0);
  });

  it('writes exactly the bytes kafkajs writes unpatched, for records of any size and headers', async () => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the same encoding function, here and in the child
    const encoding = new Function('require', `${ENCODE_BATCHES}; return encode;`) as (load: NodeJS.Require) => Encode;
    const encode = encoding(createRequire(__filename));
    const patched = await encode(asHex);
    const pristine = JSON.parse(
      execFileSync(
        process.execPath,
        [
          '-e',
          `${ENCODE_BATCHES}; encode(JSON.parse(require('fs').readFileSync(0, 'utf8'))).then((out) => process.stdout.write(JSON.stringify(out)));`,
        ],
        { input: JSON.stringify(asHex), cwd: process.cwd(), maxBuffer: 64 * 1024 * 1024 },
      ).toString(),
    ) as string[];
    expect(pristine).toHaveLength(batches.length);
    // Most batches outgrew the encoders' first 512 bytes.
    expect(pristine.filter((hex) => hex.length > 2 * 1024).length).toBeGreaterThan(200);
    patched.forEach((hex, index) => expect([index, hex]).toEqual([index, pristine[index]]));
  });
});
