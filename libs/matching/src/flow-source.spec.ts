import { requiredActivation, sourceTypes } from './flow-source';

describe('sourceTypes', () => {
  it.each([
    ['registration_create_update', ['registration.created', 'registration.updated']],
    ['registration_status_change', ['registration.status_changed']],
    ['session_registration_status_change', ['session_registration.status_changed']],
    ['event_create_update', ['event.created', 'event.updated']],
    ['pricing_page_view', ['pricing_page_view']],
    ['contract.1#purchased', ['contract.1#purchased']],
    ['constructor', ['constructor']],
  ])('expands preset %s', (preset, types) => {
    expect(sourceTypes({ preset })).toEqual(types);
  });

  it('takes explicit types as they are, de-duplicated, without blanks', () => {
    expect(sourceTypes({ types: ['event.ended', 'event.ended', ' ', 'registration_status_change'] })).toEqual([
      'event.ended',
      'registration_status_change',
    ]);
  });

  it('watches nothing without a source', () => {
    expect(sourceTypes(null)).toEqual([]);
    expect(sourceTypes({ types: [] })).toEqual([]);
  });
});

describe('requiredActivation', () => {
  it.each([
    [['registration.created', 'registration.updated'], []],
    [['registration.status_changed'], ['registration_status']],
    [['session_registration.status_changed'], ['session_registration_status']],
    [['event.created'], ['event_status']],
    [['event.created', 'event.updated'], ['event_status']],
    [['event.ended', 'event.on_demand_viewed', 'pricing_page_view', 'toString'], []],
    [
      ['session_registration.status_changed', 'registration.status_changed'],
      ['registration_status', 'session_registration_status'],
    ],
  ])('%j requires %j', (types, required) => {
    expect(requiredActivation(types)).toEqual(required);
  });
});
