import fc from 'fast-check';
import { MappingContext, MappingField, MappingInput } from './mapping-definition';
import { ENVELOPE_FIELDS, NAMED_FIELD_NAMES } from './named-fields';
import { renderHeaders } from './render-headers';
import { renderMapping } from './render-mapping';
import { appendQuery, encodeBody } from './request-encoding';
import { DEFAULT_TAG_MAX_LENGTH } from './managed-tags';

// Property-based checks of what must hold for any event and any well-formed mapping: rendering never
// throws, required and optional fields behave as docs/CONTRACT.md §5 says, and managed tags keep their limits.

/** Strings with every kind of character, lone surrogates included (event data is arbitrary UTF-16). */
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) });
const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const partial = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { requiredKeys: [] });

/** Data shaped like docs/CONTRACT.md §2's registration domain, with arbitrary JSON at every leaf. */
const shapedData = partial({
  profile: fc.oneof(partial({ first_name: json, last_name: json, full_name: json, email: json, position: json }), json),
  registration: fc.oneof(
    partial({
      status: fc.oneof(fc.constantFrom('Registered', 'Attended', 'No Show'), json),
      answers: fc.oneof(
        fc.array(
          partial({
            question: fc.oneof(fc.constantFrom('Company Name', 'Job Title'), json),
            answer: json,
            tags: fc.oneof(fc.array(fc.constantFrom('company', 'title', 'x')), json),
          }),
          { maxLength: 4 },
        ),
        json,
      ),
      utm: json,
      products: fc.oneof(fc.array(fc.oneof(anyText, json), { maxLength: 5 }), json),
    }),
    json,
  ),
  event: json,
  engagement: fc.oneof(
    partial({
      live_minutes: json,
      polls: fc.oneof(fc.array(partial({ question: json, answer: json }), { maxLength: 3 }), json),
      questions: json,
      ctas: fc.oneof(fc.array(partial({ name: json, clicked: json, url: json }), { maxLength: 3 }), json),
      resources: json,
    }),
    json,
  ),
});

const eventArb: fc.Arbitrary<MappingInput> = fc.record(
  {
    id: anyText,
    type: anyText,
    subject: anyText,
    time: anyText,
    tenant: anyText,
    source: anyText,
    data: fc.oneof(shapedData, fc.dictionary(anyText, json, { maxKeys: 5 })),
  },
  { requiredKeys: ['id', 'type', 'subject', 'time', 'tenant', 'data'] },
);

const contextArb: fc.Arbitrary<MappingContext> = partial({
  flowName: anyText,
  accountCode: anyText,
  now: fc.oneof(fc.integer(), anyText, fc.date({ noInvalidDate: false })),
  questionTags: fc.dictionary(fc.constantFrom('company', 'title', 'constructor'), fc.array(anyText, { maxLength: 3 })),
});

const pathArb = fc
  .array(fc.constantFrom('profile', 'registration', 'answers', '0', '1', 'first_name', 'products', 'x', '__proto__'), {
    minLength: 1,
    maxLength: 3,
  })
  .map((segments) => segments.join('.'));

const sourceArb = fc.oneof(
  fc.constantFrom(...NAMED_FIELD_NAMES),
  fc.constantFrom(...ENVELOPE_FIELDS),
  fc.constantFrom('question:Company Name', 'question:company', 'question_job_title', 'FirstName'),
  pathArb,
);

const templateArb = fc
  .array(
    fc.oneof(
      anyText.map((text) => text.replace(/[{}]/g, '')),
      sourceArb.map((source) => `{{${source}}}`),
    ),
    {
      maxLength: 4,
    },
  )
  .map((parts) => parts.join(''));

const tagsArb = fc
  .record(
    {
      prefix: fc.oneof(fc.constantFrom('sesamy_tag_', ''), anyText),
      from: fc.array(sourceArb, { maxLength: 3 }),
      values: fc.array(fc.oneof(anyText, fc.integer(), fc.boolean()), { maxLength: 3 }),
      max_length: fc.integer({ min: 1, max: 120 }),
    },
    { requiredKeys: ['from'] },
  )
  .filter((tags) => tags.from.length + (tags.values?.length ?? 0) > 0);

const shapingArb = partial({
  transforms: fc.array(fc.constantFrom('lower', 'upper', 'proper', 'trim', 'Proper Case'), { maxLength: 3 }),
  value_map: fc.dictionary(fc.oneof(fc.constantFrom('Registered', 'Attended', 'constructor'), anyText), json, {
    maxKeys: 3,
  }),
  default: json,
  required: fc.boolean(),
});

const valueSpecArb = fc.oneof(
  sourceArb.map((source) => ({ source })),
  templateArb.map((template) => ({ template })),
  json.map((value) => ({ value })),
  tagsArb.map((tags) => ({ tags })),
);

/** Well-formed fields, each under its own flat target, so no two fields can conflict. */
const fieldsArb = fc
  .array(fc.tuple(valueSpecArb, shapingArb), { maxLength: 8 })
  .map((specs) => specs.map(([spec, shaping], i) => ({ target: `f${i}`, ...spec, ...shaping })));

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

describe('mapping properties', () => {
  it('never throws, and gives JSON, on any event and any well-formed mapping', () => {
    fc.assert(
      fc.property(fieldsArb, eventArb, contextArb, (fields, event, context) => {
        const before = JSON.stringify(event);
        const { payload, errors } = renderMapping({ fields }, event, context);
        expect(errors.every((error) => typeof error === 'string')).toBe(true);
        expect(() => JSON.stringify(payload)).not.toThrow();
        expect(() => encodeBody(payload, 'application/json')).not.toThrow();
        expect(() => encodeBody(payload, 'application/x-www-form-urlencoded')).not.toThrow();
        expect(() => appendQuery('https://receiver.test/hook?x=1', payload)).not.toThrow();
        expect(JSON.stringify(event)).toBe(before);
        // Pure: the same arguments give the same payload.
        expect(JSON.stringify(renderMapping({ fields }, event, context))).toBe(JSON.stringify({ payload, errors }));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on anything at all in place of a mapping or an event', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (mapping, event, context) => {
        const asFields = { fields: Array.isArray(mapping) ? mapping : [mapping] } as never;
        renderMapping(asFields, event as never, context as never);
        renderMapping(mapping as never, event as never, context as never);
        renderHeaders(asFields, event as never, context as never);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the required and optional rules, and the field order', () => {
    fc.assert(
      fc.property(fieldsArb, eventArb, contextArb, (fields, event, context) => {
        const { payload, errors } = renderMapping({ fields }, event, context);
        const failed = new Set<string>();
        for (const field of fields) {
          const error = `${field.target}: required, but the event has no value for it`;
          const present = Object.hasOwn(payload, field.target);
          if (errors.includes(error)) {
            // Only a required field fails, and then it is not written.
            expect(field.required).toBe(true);
            expect(present).toBe(false);
            failed.add(field.target);
          } else if (field.required) {
            expect(present && !isBlank(payload[field.target])).toBe(true);
          }
          if (present) expect(payload[field.target]).not.toBeUndefined();
          // A field with a default always writes something, unless it failed as required.
          if (field.default !== undefined && !failed.has(field.target)) expect(present).toBe(true);
        }
        expect(errors).toHaveLength(failed.size);
        const order = fields.map((field) => field.target).filter((target) => Object.hasOwn(payload, target));
        expect(Object.keys(payload)).toEqual(order);
      }),
      { numRuns: 300 },
    );
  });

  it('builds managed tags that are unique, non-empty and within max_length', () => {
    const tagFieldArb = fc.tuple(
      tagsArb,
      maybe(shapingArb.map(({ transforms, value_map }) => ({ transforms, value_map }))),
    );
    fc.assert(
      fc.property(tagFieldArb, eventArb, ([tags, shaping], event) => {
        const field = { target: 'tags', tags, ...shaping } as MappingField;
        const { payload, errors } = renderMapping({ fields: [field] }, event, {});
        expect(errors).toEqual([]);
        if (!Object.hasOwn(payload, 'tags')) return;
        const list = payload.tags as unknown[];
        const max = tags.max_length ?? DEFAULT_TAG_MAX_LENGTH;
        expect(list.length).toBeGreaterThan(0);
        expect(new Set(list).size).toBe(list.length);
        for (const tag of list) {
          expect(typeof tag).toBe('string');
          expect((tag as string).length).toBeGreaterThan(0);
          expect((tag as string).length).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('renders headers as flat text without line breaks, or reports why not', () => {
    fc.assert(
      fc.property(fieldsArb, eventArb, contextArb, (fields, event, context) => {
        const { headers } = renderHeaders({ fields }, event, context);
        for (const value of Object.values(headers)) {
          expect(typeof value).toBe('string');
          expect(value).not.toMatch(/[\r\n\0]/);
        }
      }),
      { numRuns: 200 },
    );
  });
});
