import fc from 'fast-check';
import { encodeForm, formBytesUpTo } from './form-encoding';

describe('formBytesUpTo', () => {
  it('measures what encodeForm writes, without writing it', () => {
    const payload = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }));
    fc.assert(
      fc.property(payload, (value) => {
        const encoded = encodeForm(value);
        const measured = formBytesUpTo(value, Infinity);
        // Each pair is counted with its separator; the last has none.
        expect(measured).toBe(encoded === '' ? 0 : encoded.length + 1);
      }),
    );
  });

  it('counts accents, emoji and reserved characters as percent-encoded bytes', () => {
    const payload = { prénom: 'Zoë 😀', 'a&b': '1+1=2', list: ['x', null], nested: { deep: [{ k: true }] } };
    expect(formBytesUpTo(payload, Infinity)).toBe(encodeForm(payload).length + 1);
  });

  it('stops at the cap: a long key over a long list is enormous as a form, small as JSON', () => {
    const payload = { ['k'.repeat(100_000)]: Array(100_000).fill(1) };
    // 100,000 × 100 KB keys would be 10 GB of form; measuring stops past the cap.
    const started = performance.now();
    expect(formBytesUpTo(payload, 1_000_000)).toBeGreaterThan(1_000_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('has nothing to measure in a payload that is not an object', () => {
    expect(formBytesUpTo(['a'], Infinity)).toBe(0);
    expect(formBytesUpTo('text', Infinity)).toBe(0);
  });
});
