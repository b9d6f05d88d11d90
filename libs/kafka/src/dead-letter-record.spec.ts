import { DLQ_HEADERS, MAX_RECORD_BYTES } from '@flowline/contracts';
import { deadLetterRecord, DeadLetterSpec, MAX_DEAD_LETTER_KEY_BYTES } from './dead-letter-record';
import { encodeRecord } from './record-size';

const spec = (original: Buffer | null, error = 'event is not JSON'): DeadLetterSpec => ({
  topic: 'flowline.events.invalid',
  key: 'acme:att-1',
  type: 'invalid-event',
  original,
  origin: { topic: 'flowline.ingest', partition: 3, offset: '42' },
  error,
  category: 'validation',
  attempts: 0,
});

describe('deadLetterRecord', () => {
  it('keeps the original bytes and says where they came from and why', () => {
    const original = Buffer.from('{"id": ');
    const record = deadLetterRecord(spec(original));
    expect(record).toMatchObject({ topic: 'flowline.events.invalid', key: 'acme:att-1', type: 'invalid-event' });
    expect(record.rawValue).toBe(original);
    expect(record.headers).toMatchObject({
      [DLQ_HEADERS.originalTopic]: 'flowline.ingest',
      [DLQ_HEADERS.originalPartition]: '3',
      [DLQ_HEADERS.originalOffset]: '42',
      [DLQ_HEADERS.error]: 'event is not JSON',
      [DLQ_HEADERS.category]: 'validation',
    });
  });

  it('keeps a record without a value as it is', () => {
    expect(deadLetterRecord(spec(null)).rawValue).toBeNull();
  });

  it('cuts an original too close to the topic limit to fit beside its headers, and says so', () => {
    const original = Buffer.alloc(MAX_RECORD_BYTES - 100, 0x78);
    const record = deadLetterRecord(spec(original, 'e'.repeat(5000)));
    const encoded = encodeRecord(record);
    expect(encoded.bytes).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    const kept = record.rawValue!;
    expect(kept.length).toBeGreaterThan(MAX_RECORD_BYTES - 10_000);
    expect(original.subarray(0, kept.length).equals(kept)).toBe(true);
    expect(record.headers![DLQ_HEADERS.error]).toMatch(
      new RegExp(`value cut to its first ${kept.length} of ${original.length} bytes`),
    );
  });

  it('replaces a key longer than MAX_DEAD_LETTER_KEY_BYTES by its digest, the same for the same key, and says so', () => {
    // Any producer can write such a key to the ingest topic: 3 MiB of 0xFF read as text is 9 MiB
    // of U+FFFD, more than a record may hold, so the invalid record was refused on every retry.
    const huge = Buffer.alloc(3 * 1024 * 1024, 0xff).toString();
    const record = deadLetterRecord({ ...spec(Buffer.from('x')), key: huge });
    expect(encodeRecord(record).bytes).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(record.key).toMatch(/^oversized-key:sha256:[0-9a-f]{64}$/);
    expect(deadLetterRecord({ ...spec(Buffer.from('y')), key: huge }).key).toBe(record.key);
    expect(deadLetterRecord({ ...spec(Buffer.from('x')), key: `${huge}z` }).key).not.toBe(record.key);
    expect(record.headers![DLQ_HEADERS.error]).toBe(
      `event is not JSON (its key of ${Buffer.byteLength(huge)} bytes replaced by its SHA-256)`,
    );
    const longest = 'k'.repeat(MAX_DEAD_LETTER_KEY_BYTES);
    expect(deadLetterRecord({ ...spec(null), key: longest }).key).toBe(longest);
    // The longest key Flowline itself writes: a 200-character tenant, a 500-character subject.
    const ours = `${'t'.repeat(200)}:${'中'.repeat(500)}`;
    expect(deadLetterRecord({ ...spec(null), key: ours }).key).toBe(ours);
  });
});
