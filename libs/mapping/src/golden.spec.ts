import { MAPPING_GOLDEN_FIXTURES } from './fixtures';
import { renderHeaders } from './render-headers';
import { renderMapping } from './render-mapping';
import { validateMapping } from './field-validation';

// The reference documents' payloads, field for field: keys, values, types and key order, which is
// why the comparison is of JSON text rather than `toEqual`.
describe('golden payloads of the reference documents', () => {
  it.each(MAPPING_GOLDEN_FIXTURES.map((fixture) => [fixture.name, fixture] as const))('%s', (_, fixture) => {
    expect(validateMapping(fixture.mapping)).toEqual([]);
    const { payload, errors } = renderMapping(fixture.mapping, fixture.event);
    expect(errors).toEqual([]);
    expect(JSON.stringify(payload, null, 2)).toBe(JSON.stringify(fixture.expected, null, 2));
    if (fixture.headerMapping) {
      expect(validateMapping(fixture.headerMapping, { headers: true })).toEqual([]);
      const rendered = renderHeaders(fixture.headerMapping, fixture.event);
      expect(rendered.errors).toEqual([]);
      expect(JSON.stringify(rendered.headers)).toBe(JSON.stringify(fixture.expectedHeaders));
    }
  });

  it('are plain JSON, so the API end-to-end tests can send them as they are', () => {
    expect(JSON.parse(JSON.stringify(MAPPING_GOLDEN_FIXTURES))).toEqual(MAPPING_GOLDEN_FIXTURES);
  });

  it('cover every payload example the brief names', () => {
    expect(MAPPING_GOLDEN_FIXTURES.map((fixture) => fixture.name)).toEqual([
      'Sequel: New Registration',
      'Sequel: Event Ended',
      'Sequel: On-Demand Event Viewed',
      'Sequel: Minimal Configuration, New Registration',
      'Sequel: Minimal Configuration, Event Ended',
      'Sequel: Advanced Configuration, Event Ended',
      'Certain: concatenation with fixed text',
    ]);
  });
});
