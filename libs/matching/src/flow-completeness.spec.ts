import { flowCompleteness, isRunnable } from './flow-completeness';
import type { FlowDefinition } from './flow-definition';

const flow = (overrides: Partial<FlowDefinition>): FlowDefinition => ({
  id: 'f1',
  tenant: 'acme',
  name: 'f',
  live: true,
  active: true,
  source: { preset: 'registration_create_update' },
  activateFor: {},
  filters: [],
  destination: { connectionId: 'c', payloadMappingId: 'm' },
  ...overrides,
});

describe('flowCompleteness', () => {
  it.each<[string, Partial<FlowDefinition>, string[]]>([
    ['create/update flow with a destination', {}, []],
    ['no source', { source: null }, ['source']],
    ['empty types', { source: { types: [] } }, ['source']],
    ['no connection', { destination: { payloadMappingId: 'm' } }, ['destination.connection_id']],
    ['no payload mapping', { destination: { connectionId: 'c' } }, ['destination.payload_mapping_id']],
    [
      'header mapping only',
      { destination: { headerMappingId: 'h' } },
      ['destination.connection_id', 'destination.payload_mapping_id'],
    ],
    [
      'status change without activation',
      { source: { preset: 'registration_status_change' } },
      ['activate_for.registration_status'],
    ],
    [
      'status change activating only for properties',
      { source: { preset: 'registration_status_change' }, activateFor: { registration_property: ['done'] } },
      ['activate_for.registration_status'],
    ],
    [
      'status change with an empty or blank list',
      { source: { preset: 'registration_status_change' }, activateFor: { registration_status: [' '] } },
      ['activate_for.registration_status'],
    ],
    [
      'status change activating for status tags',
      { source: { preset: 'registration_status_change' }, activateFor: { registration_status: ['registered'] } },
      [],
    ],
    [
      'explicit status_changed type without activation',
      { source: { types: ['registration.status_changed'] } },
      ['activate_for.registration_status'],
    ],
    [
      'session status change without activation',
      { source: { preset: 'session_registration_status_change' } },
      ['activate_for.session_registration_status'],
    ],
    [
      'session status change with session status tags',
      {
        source: { preset: 'session_registration_status_change' },
        activateFor: { session_registration_status: ['attended'] },
      },
      [],
    ],
    [
      'event create/update without activation',
      { source: { preset: 'event_create_update' } },
      ['activate_for.event_status'],
    ],
    [
      'event create/update with event status tags',
      { source: { preset: 'event_create_update' }, activateFor: { event_status: ['published'] } },
      [],
    ],
    ['a producer type needs no activation', { source: { preset: 'pricing_page_view' } }, []],
    [
      'nothing at all',
      { source: null, destination: {} },
      ['source', 'destination.connection_id', 'destination.payload_mapping_id'],
    ],
    ['configuration not understood', { invalid: ['filters[0].op'] }, ['filters[0].op']],
  ])('%s', (_name, overrides, missing) => {
    expect(flowCompleteness(flow(overrides))).toEqual({ complete: missing.length === 0, missing });
  });

  it('does not depend on active or live', () => {
    expect(flowCompleteness(flow({ active: false, live: false })).complete).toBe(true);
  });
});

describe('isRunnable', () => {
  it.each<[Partial<FlowDefinition>, boolean]>([
    [{}, true],
    [{ active: false }, false],
    [{ destination: {} }, false],
    [{ active: false, destination: {} }, false],
    [{ live: false }, true],
  ])('%j → %s', (overrides, runnable) => {
    expect(isRunnable(flow(overrides))).toBe(runnable);
  });
});
