import { MAX_RECORD_BYTES } from '@flowline/contracts';
import { OutgoingMessage } from './json-codec';
import { encodeRecord, RecordRefusedCode, RecordRefusedError, recordBytes } from './record-size';

const message = (value: unknown): OutgoingMessage => ({
  topic: 'flowline.deliveries',
  key: 't:s',
  value,
  type: 'delivery',
});

describe('encodeRecord', () => {
  it('encodes a message with its envelope headers and measures it', () => {
    const record = encodeRecord(message({ a: 'é' }));
    expect(record.topic).toBe('flowline.deliveries');
    expect(record.message.value).toEqual(Buffer.from('{"a":"é"}'));
    expect(record.bytes).toBe(recordBytes(record.message));
    // Bytes, not characters: é is two.
    expect(record.bytes).toBeGreaterThan(Buffer.byteLength('t:s') + Buffer.byteLength('{"a":"é"}'));
  });

  it('refuses a record over MAX_RECORD_BYTES before anything is sent, saying how large it is', () => {
    const big = message({ blob: 'x'.repeat(MAX_RECORD_BYTES) });
    expect(() => encodeRecord(big)).toThrow(RecordRefusedError);
    try {
      encodeRecord(big);
    } catch (error) {
      expect(error).toMatchObject({ code: RecordRefusedCode.TooLarge, retriable: false });
      expect((error as Error).message).toMatch(
        new RegExp(`^a delivery record for flowline.deliveries is \\d+ bytes, over the ${MAX_RECORD_BYTES} bytes`),
      );
    }
  });

  it('accepts a record exactly at the bound and refuses one byte more', () => {
    const overhead = encodeRecord(message('')).bytes;
    const fits = message('x'.repeat(MAX_RECORD_BYTES - overhead));
    expect(encodeRecord(fits).bytes).toBe(MAX_RECORD_BYTES);
    expect(() => encodeRecord(message('x'.repeat(MAX_RECORD_BYTES - overhead + 1)))).toThrow(RecordRefusedError);
  });

  it('refuses a value JSON cannot write, instead of throwing inside a shared request', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`);
    expect(() => encodeRecord(message(deep))).toThrow(expect.objectContaining({ code: RecordRefusedCode.Unencodable }));
    expect(() => encodeRecord(message({ n: 1n }))).toThrow(
      expect.objectContaining({ code: RecordRefusedCode.Unencodable }),
    );
  });
});
