import fc from 'fast-check';
import { flowCompleteness } from './flow-completeness';
import { FlowIndex } from './flow-index';
import { parseFlow, type FlowRecord } from './parse-flow';

const row = (overrides: Partial<FlowRecord>): FlowRecord => ({
  id: 'f1',
  tenantId: 'acme',
  name: 'Registered to CRM',
  live: true,
  active: true,
  source: { preset: 'registration_status_change' },
  activateFor: { registration_status: ['registered'] },
  filters: [{ on: 'profile', field: 'position', op: 'eq', value: 'CEO' }],
  connectionId: 'c1',
  payloadMappingId: 'm1',
  headerMappingId: null,
  ...overrides,
});

describe('parseFlow', () => {
  it('reads a stored flow', () => {
    expect(parseFlow(row({ headerMappingId: 'h1' }))).toEqual({
      id: 'f1',
      tenant: 'acme',
      name: 'Registered to CRM',
      live: true,
      active: true,
      source: { preset: 'registration_status_change' },
      activateFor: { registration_status: ['registered'] },
      filters: [{ on: 'profile', field: 'position', op: 'eq', value: 'CEO' }],
      destination: { connectionId: 'c1', payloadMappingId: 'm1', headerMappingId: 'h1' },
    });
  });

  it('reads explicit types, and a missing destination as partial', () => {
    const flow = parseFlow(row({ source: { types: ['event.ended'] }, connectionId: null, payloadMappingId: null }));
    expect(flow.source).toEqual({ types: ['event.ended'] });
    expect(flow.destination).toEqual({});
  });

  it('defaults an attendee_type filter without field to the attendee type itself', () => {
    const flow = parseFlow(row({ filters: [{ on: 'attendee_type', op: 'in', value: ['VIP'] }] }));
    expect(flow.filters).toEqual([{ on: 'attendee_type', field: 'value', op: 'in', value: ['VIP'] }]);
  });

  it('treats absent jsonb as empty, and an empty source as missing, not invalid', () => {
    const flow = parseFlow(row({ source: {}, activateFor: null, filters: undefined }));
    expect(flow).toMatchObject({ source: null, activateFor: {}, filters: [] });
    expect(flow.invalid).toBeUndefined();
    expect(flowCompleteness(flow).missing).toEqual(['source']);
  });

  it.each<[string, Partial<FlowRecord>, string[]]>([
    ['source not an object', { source: 'registration_create_update' }, ['source']],
    ['types not strings', { source: { types: ['a', 1] } }, ['source.types']],
    ['preset not a string', { source: { preset: 3 } }, ['source.preset']],
    ['activate_for not an object', { activateFor: ['registered'] }, ['activate_for']],
    [
      'unknown activation object',
      { activateFor: { registration_status: ['x'], attendee_type: ['vip'] } },
      ['activate_for.attendee_type'],
    ],
    [
      'activation list not strings',
      { activateFor: { registration_status: 'registered' } },
      ['activate_for.registration_status'],
    ],
    ['filters not a list', { filters: { on: 'event' } }, ['filters']],
    ['filter not an object', { filters: ['x'] }, ['filters[0]']],
    ['unknown on', { filters: [{ on: 'session', field: 'code', op: 'eq', value: 'x' }] }, ['filters[0].on']],
    ['no field', { filters: [{ on: 'event', op: 'eq', value: 'x' }] }, ['filters[0].field']],
    ['unknown op', { filters: [{ on: 'event', field: 'code', op: 'gt', value: 1 }] }, ['filters[0].op']],
    ['eq with a list', { filters: [{ on: 'event', field: 'code', op: 'eq', value: ['a'] }] }, ['filters[0].value']],
    ['eq without value', { filters: [{ on: 'event', field: 'code', op: 'eq' }] }, ['filters[0].value']],
    ['in with objects', { filters: [{ on: 'event', field: 'code', op: 'in', value: [{}] }] }, ['filters[0].value']],
    [
      'exists with text',
      { filters: [{ on: 'event', field: 'code', op: 'exists', value: 'yes' }] },
      ['filters[0].value'],
    ],
    [
      'the second of two filters',
      {
        filters: [
          { on: 'event', field: 'code', op: 'exists' },
          { on: 'x', field: '', op: 'eq', value: 1 },
        ],
      },
      ['filters[1].on', 'filters[1].field'],
    ],
  ])('names what it cannot understand: %s', (_name, overrides, invalid) => {
    const flow = parseFlow(row(overrides));
    expect(flow.invalid).toEqual(invalid);
    expect(flowCompleteness(flow)).toEqual({ complete: false, missing: expect.arrayContaining(invalid) });
  });

  it('keeps the valid filters next to an invalid one, and the flow incomplete', () => {
    const flow = parseFlow(
      row({
        filters: [
          { on: 'event', field: 'code', op: 'exists', value: true },
          { on: 'event', field: 'code', op: 'between' },
        ],
      }),
    );
    expect(flow.filters).toEqual([{ on: 'event', field: 'code', op: 'exists', value: true }]);
    expect(flowCompleteness(flow).complete).toBe(false);
  });
});

describe('parseFlow on arbitrary JSON', () => {
  it('never throws, and gives a flow completeness and matching can use', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (source, activateFor, filters) => {
        const flow = parseFlow(row({ source, activateFor, filters }));
        const { complete, missing } = flowCompleteness(flow);
        expect(complete).toBe(missing.length === 0);
        new FlowIndex([flow]).match({
          id: 'e',
          tenant: 'acme',
          type: 'registration.created',
          subject: 's',
          time: '2025-01-01T00:00:00Z',
          test: false,
          data: {},
          ingestedAt: 0,
        });
      }),
      { numRuns: 300 },
    );
  });
});
