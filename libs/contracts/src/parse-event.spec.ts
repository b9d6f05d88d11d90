import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { EventEnvelopeV1 } from './event-envelope';
import { MAX_JSON_DEPTH } from './json-bounds';
import { InvalidEventCode, parseEvent, parseEventObject, plainEnvelope } from './parse-event';

const LIMIT = 1024 * 1024;
const NOW = 1_700_000_000_000;
const canonical = {
  id: 'evt-1',
  tenant: 'acme',
  type: 'registration.created',
  subject: 'att-1',
  time: '2025-01-10T09:00:00Z',
  data: { profile: { first_name: 'Ada' } },
};

function parse(value: unknown) {
  return parseEvent(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), LIMIT, NOW);
}

describe('parseEvent', () => {
  it('accepts a canonical event and defaults test to false', () => {
    const result = parse(canonical);
    expect(result).toEqual({ ok: true, event: { ...canonical, test: false, ingestedAt: NOW } });
  });

  it('normalises the Sesamy-style envelope, keeping the other fields in data', () => {
    const sesamy = {
      eventType: 'contract.1#purchased',
      vendorId: 'publisher-1',
      userId: 'user-9',
      contractId: 'c-1',
      occured_at: '2025-02-01T10:00:00Z',
      price: 99,
    };
    const result = parse(sesamy);
    if (!result.ok) throw new Error(result.reason);
    expect(result.event).toMatchObject({
      tenant: 'publisher-1',
      type: 'contract.1#purchased',
      subject: 'user-9',
      time: '2025-02-01T10:00:00Z',
      data: { contractId: 'c-1', price: 99 },
    });
    // No id given: the same content gives the same id, so a re-send is a duplicate.
    const again = parse({ ...sesamy });
    expect(again.ok && again.event.id).toBe(result.event.id);
    const other = parse({ ...sesamy, price: 100 });
    expect(other.ok && other.event.id).not.toBe(result.event.id);
  });

  it.each([
    ['not JSON', '{"id": ', InvalidEventCode.NotJson, /not JSON/],
    ['an array', '[1,2]', InvalidEventCode.NotObject, /JSON object/],
    ['a missing subject', { ...canonical, subject: undefined }, InvalidEventCode.InvalidFields, /subject/],
    ['a numeric id', { ...canonical, id: 42 }, InvalidEventCode.InvalidFields, /id must be a string/],
    ['a time that is no timestamp', { ...canonical, time: 'yesterday' }, InvalidEventCode.InvalidFields, /time/],
    ['data that is not an object', { ...canonical, data: 'x' }, InvalidEventCode.InvalidFields, /data/],
    ['an id over 200 characters', { ...canonical, id: 'x'.repeat(201) }, InvalidEventCode.InvalidFields, /id/],
    [
      'a NUL byte in the id',
      { ...canonical, id: 'a\u0000b' },
      InvalidEventCode.InvalidFields,
      /id must not contain control characters/,
    ],
    [
      'a newline in the subject',
      { ...canonical, subject: 'a\nb' },
      InvalidEventCode.InvalidFields,
      /subject must not contain/,
    ],
  ])('rejects %s with a readable reason', (_name, value, code, reason) => {
    const result = parse(value);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    expect(result.reason).toMatch(reason);
  });

  it('lists every problem of an event at once', () => {
    const result = parseEventObject({ id: 1, tenant: '', data: null }, NOW);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const field of ['id', 'tenant', 'type', 'subject', 'time', 'data']) expect(result.reason).toContain(field);
  });

  it('rejects invalid UTF-8 and events over the size limit', () => {
    const badUtf8 = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(parseEvent(badUtf8, LIMIT, NOW)).toMatchObject({ ok: false, code: InvalidEventCode.NotUtf8 });
    const big = Buffer.from(JSON.stringify({ ...canonical, data: { blob: 'x'.repeat(LIMIT) } }));
    expect(parseEvent(big, LIMIT, NOW)).toMatchObject({
      ok: false,
      code: InvalidEventCode.TooLarge,
      reason: expect.stringMatching(/over the limit/),
    });
  });

  it('holds an event to its limit as Flowline writes it: numbers spelled out can grow it five times', () => {
    const { data: _data, ...envelope } = canonical;
    const head = JSON.stringify(envelope).slice(0, -1);
    // `1e20` is 4 bytes as received and 21 as written.
    const numbers = (count: number) => Buffer.from(`${head},"data":{"n":[${Array(count).fill('1e20').join(',')}]}}`);
    const grown = numbers(Math.floor(LIMIT / 6));
    expect(grown.length).toBeLessThanOrEqual(LIMIT);
    const result = parseEvent(grown, LIMIT, NOW);
    expect(result).toMatchObject({
      ok: false,
      code: InvalidEventCode.TooLarge,
      reason: expect.stringMatching(
        /^event is \d+ bytes as Flowline writes it \(its numbers spelled out\), over the limit/,
      ),
    });
    // Growing, but within the limit and its room as written: taken.
    const fits = numbers(Math.floor(LIMIT / 25));
    expect(parseEvent(fits, LIMIT, NOW).ok).toBe(true);
    expect(
      Buffer.byteLength(JSON.stringify((parseEvent(fits, LIMIT, NOW) as { event: unknown }).event)),
    ).toBeGreaterThan(fits.length * 4);
  });

  describe('hostile input (issue 9)', () => {
    /** The event with `data` nested `depth` objects deep, as raw JSON text (an attacker's bytes). */
    const deepEvent = (depth: number) => {
      const { data: _data, ...envelope } = canonical;
      const head = JSON.stringify(envelope).slice(0, -1);
      return `${head},"data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    };

    it('calls an event nested 8,000 deep invalid instead of throwing RangeError', () => {
      const result = parseEvent(Buffer.from(deepEvent(8_000)), LIMIT, NOW);
      expect(result).toEqual({
        ok: false,
        code: InvalidEventCode.TooDeep,
        reason: `event nests objects and lists more than ${MAX_JSON_DEPTH} levels deep`,
      });
    });

    it(`accepts nesting up to ${MAX_JSON_DEPTH} levels, counting the event itself`, () => {
      // The envelope is one level and the innermost object of data is the last one.
      expect(parse(deepEvent(MAX_JSON_DEPTH - 1)).ok).toBe(true);
      expect(parse(deepEvent(MAX_JSON_DEPTH))).toMatchObject({ ok: false, code: InvalidEventCode.TooDeep });
    });

    it('bounds the depth of lists as well as objects', () => {
      const lists = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      expect(parse(`{"id":"e","data":{"x":${lists}}}`)).toMatchObject({ ok: false, code: InvalidEventCode.TooDeep });
    });

    it.each([
      ['a lone surrogate in the id', { ...canonical, id: 'p-\ud800' }, 'id'],
      ['a lone surrogate in the subject', { ...canonical, subject: '\udc00att' }, 'subject'],
      ['a lone surrogate in the tenant', { ...canonical, tenant: 'acme\udbff' }, 'tenant'],
      ['a lone surrogate in the type', { ...canonical, type: 'x\ud800y' }, 'type'],
      ['a NUL in the source', { ...canonical, source: 'crm\u0000' }, 'source'],
      ['a NUL in a value of data', { ...canonical, data: { profile: { email: 'a\u0000@b' } } }, 'data.profile.email'],
      ['a lone surrogate in a list of data', { ...canonical, data: { tags: ['ok', '\ud800'] } }, 'data.tags[1]'],
      ['a NUL in a key of data', { ...canonical, data: { 'bad\u0000key': 1 } }, 'data["bad\\u0000key"]'],
    ])('refuses %s at the door, naming where it is', (_name, event, path) => {
      const result = parse(event);
      expect(result).toMatchObject({ ok: false, code: InvalidEventCode.UnstorableText });
      if (result.ok) return;
      expect(result.reason).toBe(
        `${path} must not hold a NUL character (\\u0000) or a lone UTF-16 surrogate (\\ud800-\\udfff without its pair)`,
      );
    });

    it('refuses the same through parseEventObject, which POST /events uses', () => {
      expect(parseEventObject({ ...canonical, id: 'p-\ud800' }, NOW)).toMatchObject({
        ok: false,
        code: InvalidEventCode.UnstorableText,
      });
    });

    it('keeps ids as received: a surrogate pair, and two spellings of é, are valid and distinct', () => {
      const ids = ['emoji-\ud83d\ude00', 'caf\u00e9', 'cafe\u0301'];
      const parsed = ids.map((id) => parse({ ...canonical, id }));
      expect(parsed.map((result) => result.ok && result.event.id)).toEqual(ids);
    });

    it('keeps data as parsed, keys such as __proto__ included', () => {
      const result = parse(
        '{"id":"e","tenant":"t","type":"x","subject":"s","time":"2025-01-10T09:00:00Z","data":{"__proto__":{"a":1},"b":[1,{"c":2}]}}',
      );
      if (!result.ok) throw new Error(result.reason);
      expect(Object.keys(result.event.data)).toEqual(['__proto__', 'b']);
      expect(JSON.stringify(result.event.data)).toBe('{"__proto__":{"a":1},"b":[1,{"c":2}]}');
    });
  });

  describe('the plain envelope, checked without class-validator (issue 13)', () => {
    // Texts near every rule's edges: empty, at and over the lengths, control characters,
    // non-ASCII, surrogate pairs and variation selectors (which class-validator counts differently).
    const text = fc.oneof(
      fc.string({ maxLength: 3 }),
      fc.constantFrom('', '\ufe0f', 'a\u0000', 'tab\t', 'caf\u00e9', '\ud83d\ude00', 'x'.repeat(200), 'x'.repeat(201)),
      fc.constantFrom('x'.repeat(500), 'x'.repeat(501), '\ud83d\ude00'.repeat(150)),
      fc.string({ unit: 'binary', maxLength: 8 }),
    );
    const field = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]));
    const time = fc.oneof(
      fc.constantFrom('2025-01-10T09:00:00Z', '2025-01-10', '2025-02-30', 'yesterday', '2025-01-10T09:00:00+16:00'),
      field,
    );
    // Mostly an ordinary field, sometimes an odd one: most envelopes are valid or one or two fields off.
    const usually = (valid: unknown, odd: fc.Arbitrary<unknown>) =>
      fc.oneof({ arbitrary: fc.constant(valid), weight: 4 }, { arbitrary: odd, weight: 1 });
    const envelope = fc.record(
      {
        id: usually(canonical.id, field),
        tenant: usually(canonical.tenant, field),
        type: usually(canonical.type, field),
        subject: usually(canonical.subject, field),
        time: usually(canonical.time, time),
        source: usually('crm', field),
        test: usually(true, field),
        data: usually(canonical.data, field),
      },
      { requiredKeys: [] },
    );

    it('accepts only envelopes class-validator accepts, with the same fields', () => {
      let plainOnes = 0;
      fc.assert(
        fc.property(envelope, (candidate) => {
          const plain = plainEnvelope(candidate);
          if (plain === undefined) return;
          plainOnes += 1;
          const validated = plainToInstance(EventEnvelopeV1, { ...candidate, data: {} });
          expect(validateSync(validated, { forbidUnknownValues: false })).toEqual([]);
          expect(plain).toEqual({
            id: validated.id,
            tenant: validated.tenant,
            type: validated.type,
            subject: validated.subject,
            time: validated.time,
            ...(validated.source === undefined ? {} : { source: validated.source }),
            test: validated.test ?? false,
            data: candidate.data,
          });
        }),
        { numRuns: 2000 },
      );
      // The property held on many envelopes that took the plain path, not on none.
      expect(plainOnes).toBeGreaterThan(100);
    });

    it('takes the plain path for an ordinary event, and leaves unusual text to class-validator', () => {
      expect(plainEnvelope({ ...canonical, source: 'crm', test: true })).toEqual({
        ...canonical,
        source: 'crm',
        test: true,
      });
      expect(plainEnvelope({ ...canonical, subject: 'caf\u00e9' })).toBeUndefined();
      expect(parseEventObject({ ...canonical, subject: 'caf\u00e9' }, NOW)).toMatchObject({ ok: true });
      expect(plainEnvelope({ ...canonical, source: null })).toBeUndefined();
    });
  });
});
