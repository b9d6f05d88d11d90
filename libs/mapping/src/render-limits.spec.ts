import fc from 'fast-check';
import { validateMapping } from './field-validation';
import { MappingInput } from './mapping-definition';
import { renderHeaders } from './render-headers';
import { DEFAULT_RENDER_LIMITS, jsonBytesUpTo, MAX_TARGET_SEGMENTS, RenderLimits } from './render-limits';
import { renderMapping } from './render-mapping';

const event = (data: Record<string, unknown>): MappingInput => ({
  id: 'evt-1',
  type: 'amp.test',
  subject: 'att-1',
  time: '2025-01-10T09:00:00Z',
  tenant: 'acme',
  data,
});

const limits = (overrides: Partial<RenderLimits>): RenderLimits => ({ ...DEFAULT_RENDER_LIMITS, ...overrides });

describe('rendering limits (issue 9)', () => {
  it("stops the preview's amplification, 6,000 × {{a}} over 51,200 characters, before building anything", () => {
    const fields = [{ target: 'a', template: '{{a}}'.repeat(6_000) }];
    const result = renderMapping({ fields }, event({ a: 'x'.repeat(51_200) }));
    expect(result.payload).toEqual({});
    expect(result.limitExceeded).toMatch(
      new RegExp(
        `^a: the template expands to at least \\d+ bytes, more than the ${DEFAULT_RENDER_LIMITS.maxOutputBytes} bytes left of the ${DEFAULT_RENDER_LIMITS.maxOutputBytes} bytes a rendered output may have$`,
      ),
    );
    expect(result.errors).toEqual([result.limitExceeded]);
  });

  it('measures an expansion instead of building it: one longer than any string V8 can hold is refused, not thrown', () => {
    // 6,000 × 200,000 characters: building it would throw "Invalid string length" (V8's limit
    // is about 2^29 characters); measuring it answers the limit. (It used to be built: 307 MB
    // took 7 s. A timed assertion of this failed on a loaded machine, so the proof is the size.)
    const fields = [{ target: 'a', template: '{{a}}'.repeat(6_000) }];
    const result = renderMapping({ fields }, event({ a: 'x'.repeat(200_000) }));
    expect(result.payload).toEqual({});
    expect(result.limitExceeded).toMatch(/^a: the template expands to at least \d+ bytes/);
  });

  it("stops the live amplification, 2,000 × {{a}} over 5,000 characters (10 MB, over a record's 8 MiB)", () => {
    const fields = [{ target: 'a', template: '{{a}}'.repeat(2_000) }];
    const result = renderMapping({ fields }, event({ a: 'x'.repeat(5_000) }));
    expect(result.limitExceeded).toMatch(/^a: the template expands to at least/);
  });

  it('renders the largest expansion that fits, and refuses one byte more', () => {
    // A template's measure is its own text plus each value: here 5 + 9,000 bytes.
    const fields = [{ target: 'a', template: '{{a}}' }];
    const input = event({ a: 'x'.repeat(9_000) });
    const value = { a: 'x'.repeat(9_000) };
    const exact = jsonBytesUpTo(value, Infinity);
    expect(renderMapping({ fields }, input, {}, limits({ maxOutputBytes: exact })).errors).toEqual([]);
    expect(renderMapping({ fields }, input, {}, limits({ maxOutputBytes: exact - 1 })).limitExceeded).toMatch(
      /^a: the value is at least \d+ bytes/,
    );
    expect(renderMapping({ fields }, input, {}, limits({ maxOutputBytes: 9_004 })).limitExceeded).toMatch(
      /^a: the template expands to at least 9005 bytes, more than the 9004 bytes left/,
    );
  });

  it('spends one budget over all fields: copies of a large value stop at the field that no longer fits', () => {
    const blob = { text: 'y'.repeat(100_000) };
    const fields = Array.from({ length: 1_000 }, (_, index) => ({ target: `copy${index}`, source: 'blob' }));
    const result = renderMapping({ fields }, event({ blob }), {}, limits({ maxOutputBytes: 1_000_000 }));
    expect(Object.keys(result.payload)).toHaveLength(9);
    expect(result.limitExceeded).toMatch(
      /^copy9: the value is at least \d+ bytes, more than the \d+ bytes left of the 1000000/,
    );
  });

  it('counts a list the value map blows up item by item before copying it', () => {
    const fields = [{ target: 'statuses', source: 'list', value_map: { s: 'z'.repeat(1_000) } }];
    const result = renderMapping(
      { fields },
      event({ list: Array(10_000).fill('s') }),
      {},
      limits({ maxOutputBytes: 1_000_000 }),
    );
    expect(result.limitExceeded).toMatch(/^statuses: the value is at least/);
  });

  it('bounds the placeholders substituted over all templates of one rendering', () => {
    const template = '{{a}}'.repeat(600);
    const fields = Array.from({ length: 20 }, (_, index) => ({ target: `t${index}`, template }));
    const result = renderMapping({ fields }, event({ a: 'x' }), {}, limits({ maxSubstitutions: 10_000 }));
    expect(Object.keys(result.payload)).toHaveLength(16);
    expect(result.limitExceeded).toBe(
      't16: the template has 600 placeholders, more than the 400 left of the 10000 one rendering may substitute',
    );
    const within = Array.from({ length: 16 }, (_, index) => ({ target: `t${index}`, template }));
    expect(renderMapping({ fields: within }, event({ a: 'x' })).errors).toEqual([]);
  });

  it('keeps the fields before the limit, as a preview shows them, and renders none after', () => {
    const fields = [
      { target: 'first', value: 'kept' },
      { target: 'big', template: '{{a}}{{a}}' },
      { target: 'missing', source: 'nothing', required: true },
    ];
    const result = renderMapping({ fields }, event({ a: 'x'.repeat(600) }), {}, limits({ maxOutputBytes: 1_000 }));
    expect(result.payload).toEqual({ first: 'kept' });
    expect(result.errors).toEqual([result.limitExceeded]);
  });

  it('bounds a header mapping the same way', () => {
    const fields = [{ target: 'X-Big', template: '{{a}}'.repeat(6_000) }];
    const result = renderHeaders({ fields }, event({ a: 'x'.repeat(51_200) }));
    expect(result.headers).toEqual({});
    expect(result.limitExceeded).toMatch(/^X-Big: the template expands to at least/);
  });

  it(`refuses targets nested more than ${MAX_TARGET_SEGMENTS} levels, in validation and in rendering`, () => {
    const deepest = Array.from({ length: MAX_TARGET_SEGMENTS }, (_, index) => `s${index}`).join('.');
    const tooDeep = `${deepest}.more`;
    expect(validateMapping({ fields: [{ target: deepest, value: 1 }] })).toEqual([]);
    expect(validateMapping({ fields: [{ target: tooDeep, value: 1 }] })).toEqual([
      `${tooDeep}: target nests ${MAX_TARGET_SEGMENTS + 1} levels deep, more than ${MAX_TARGET_SEGMENTS}`,
    ]);
    const rendered = renderMapping({ fields: [{ target: tooDeep, value: 1 }] }, event({}));
    expect(rendered.payload).toEqual({});
    expect(rendered.errors).toHaveLength(1);
  });

  it('leaves ordinary mappings alone', () => {
    const fields = [
      { target: 'email', source: 'email' },
      { target: 'title', template: '{{profile.position}} @ {{profile.organization}}' },
    ];
    const input = event({ profile: { email: 'a@b.c', position: 'CTO', organization: 'Acme' } });
    expect(renderMapping({ fields }, input)).toEqual({
      payload: { email: 'a@b.c', title: 'CTO @ Acme' },
      errors: [],
    });
  });
});

describe('jsonBytesUpTo', () => {
  // Strings without characters JSON escapes, so JSON.stringify's length is the exact reference.
  const plain = fc.jsonValue({ maxDepth: 4 }).filter((value) => !/[\\"\u0000-\u001f]/.test(JSON.stringify(value)));

  it('is at least the size of the JSON, within a byte per container', () => {
    fc.assert(
      fc.property(plain, (value) => {
        const exact = Buffer.byteLength(JSON.stringify(value));
        const measured = jsonBytesUpTo(value, Infinity);
        const containers = (JSON.stringify(value).match(/[[{]/g) ?? []).length;
        expect(measured).toBeGreaterThanOrEqual(exact);
        expect(measured).toBeLessThanOrEqual(exact + containers);
      }),
    );
  });

  it('stops past the cap with a total over it, and is exact within it', () => {
    fc.assert(
      fc.property(plain, fc.nat(200), (value, cap) => {
        const full = jsonBytesUpTo(value, Infinity);
        const capped = jsonBytesUpTo(value, cap);
        if (full <= cap) expect(capped).toBe(full);
        else expect(capped).toBeGreaterThan(cap);
      }),
    );
  });

  it('measures nesting far past what JSON.stringify survives', () => {
    const deep = JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    expect(jsonBytesUpTo(deep, 1_000)).toBeGreaterThan(1_000);
  });
});
