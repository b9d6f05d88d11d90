import fc from 'fast-check';
import type { FlowlineEvent } from '@flowline/contracts';
import type { FlowDefinition, FlowFilter, NotTriggeredReason } from './flow-definition';
import { buildFlowIndex, evaluateFlow, FlowIndex } from './flow-index';
import { TagIndex, type TagAssignmentRecord } from './tag-index';

const destination = { connectionId: 'c', payloadMappingId: 'm' };
const flow = (overrides: Partial<FlowDefinition> = {}): FlowDefinition => ({
  id: 'f1',
  tenant: 'acme',
  name: 'f',
  live: true,
  active: true,
  source: { preset: 'registration_create_update' },
  activateFor: {},
  filters: [],
  destination,
  ...overrides,
});
const event = (data: Record<string, unknown> = {}, overrides: Partial<FlowlineEvent> = {}): FlowlineEvent => ({
  id: 'e',
  tenant: 'acme',
  type: 'registration.created',
  subject: 's',
  time: '2025-01-01T00:00:00Z',
  test: false,
  data,
  ingestedAt: 0,
  ...overrides,
});
const assign = (tagName: string, object: string, value: string, tenantId = 'acme'): TagAssignmentRecord => ({
  tenantId,
  tagName,
  object,
  value,
});

/** acme's assignments, as `PUT /tags/{name}/assignments` would have written them. */
const TAGS = new TagIndex([
  assign('registered', 'registration_status', 'Registered'),
  assign('engaged', 'registration_status', 'Attended'),
  assign('engaged', 'session_registration_status', 'Attended'),
  assign('published', 'event_status', 'Live'),
  assign('paid', 'registration_property', 'Paid'),
  assign('vip', 'attendee_type', 'VIP'),
  assign('flagship', 'event', 'evt_abc123xyz'),
  assign('emea', 'event', 'EMEA25'),
  assign('registered', 'registration_status', 'Pending', 'other-tenant'),
]);

const outcome = (flows: FlowDefinition[], e: FlowlineEvent, tags: TagIndex = TAGS): string => {
  const result = new FlowIndex(flows, tags).match(e);
  return result.notTriggered ?? result.matched.map((f) => f.id).join(',');
};

describe('FlowIndex: source', () => {
  it.each<[string, string, boolean]>([
    ['registration_create_update', 'registration.created', true],
    ['registration_create_update', 'registration.updated', true],
    ['registration_create_update', 'registration.status_changed', false],
    ['registration_status_change', 'registration.status_changed', true],
    ['registration_status_change', 'registration.updated', false],
    ['session_registration_status_change', 'session_registration.status_changed', true],
    ['session_registration_status_change', 'registration.status_changed', false],
    ['event_create_update', 'event.created', true],
    ['event_create_update', 'event.updated', true],
    ['event_create_update', 'event.ended', false],
    ['pricing_page_view', 'pricing_page_view', true],
    ['contract.1#purchased', 'contract.1#purchased', true],
    ['pricing_page_view', 'registration.created', false],
  ])('preset %s watches %s: %s', (preset, type, watched) => {
    // Each flow carries the activation its preset requires, and the event satisfies it.
    const activateFor = {
      registration_status: ['registered'],
      session_registration_status: ['engaged'],
      event_status: ['published'],
    };
    const data = { registration: { status: 'Registered', session: { status: 'Attended' } }, event: { status: 'Live' } };
    expect(outcome([flow({ source: { preset }, activateFor })], event(data, { type }))).toBe(watched ? 'f1' : 'source');
  });

  it('watches explicit types', () => {
    const flows = [flow({ source: { types: ['event.ended', 'event.on_demand_viewed'] } })];
    expect(outcome(flows, event({}, { type: 'event.ended' }))).toBe('f1');
    expect(outcome(flows, event({}, { type: 'event.on_demand_viewed' }))).toBe('f1');
    expect(outcome(flows, event({}, { type: 'registration.created' }))).toBe('source');
  });

  it('never matches another tenant’s flows', () => {
    expect(outcome([flow({ tenant: 'other' })], event())).toBe('source');
  });
});

describe('FlowIndex: live/test and active', () => {
  it.each<[boolean, boolean | undefined, string]>([
    [true, false, 'f1'],
    [true, undefined, 'f1'],
    [true, true, 'mode'],
    [false, true, 'f1'],
    [false, false, 'mode'],
  ])('a %s flow and an event with test=%s → %s', (live, test, expected) => {
    expect(outcome([flow({ live })], event({}, { test: test as boolean }))).toBe(expected);
  });

  it.each<[string, Partial<FlowDefinition>, string]>([
    ['active and complete', {}, 'f1'],
    ['inactive', { active: false }, 'inactive'],
    ['without connection', { destination: { payloadMappingId: 'm' } }, 'inactive'],
    ['without payload mapping', { destination: { connectionId: 'c' } }, 'inactive'],
    ['with configuration it cannot understand', { invalid: ['filters[0].op'] }, 'inactive'],
    ['watching a status change without activation', { activateFor: {} }, 'inactive'],
    [
      'watching a status change, activating only for properties',
      { activateFor: { registration_property: ['paid'] } },
      'inactive',
    ],
  ])('a status-change flow %s → %s', (_name, overrides, expected) => {
    const statusFlow = flow({
      source: { preset: 'registration_status_change' },
      activateFor: { registration_status: ['registered'] },
      ...overrides,
    });
    const e = event(
      { registration: { status: 'Registered', properties: { Paid: true } } },
      { type: 'registration.status_changed' },
    );
    expect(outcome([statusFlow], e)).toBe(expected);
  });
});

describe('FlowIndex: activation', () => {
  type Row = [string, FlowDefinition['activateFor'], Record<string, unknown>, string];
  it.each<Row>([
    // registration_status
    ['assigned status tag', { registration_status: ['registered'] }, { registration: { status: 'Registered' } }, 'f1'],
    ['assigned, other case', { registration_status: ['Registered'] }, { registration: { status: 'registered' } }, 'f1'],
    [
      'carried status tag',
      { registration_status: ['vip-status'] },
      { registration: { status: 'Gold', status_tags: ['vip-status'] } },
      'f1',
    ],
    [
      'carried as one string',
      { registration_status: ['vip-status'] },
      { registration: { status: 'Gold', status_tags: 'vip-status' } },
      'f1',
    ],
    [
      'union: assigned half',
      { registration_status: ['registered'] },
      { registration: { status: 'Registered', status_tags: ['x'] } },
      'f1',
    ],
    [
      'union: carried half',
      { registration_status: ['x'] },
      { registration: { status: 'Registered', status_tags: ['x'] } },
      'f1',
    ],
    [
      'status tagged otherwise',
      { registration_status: ['engaged'] },
      { registration: { status: 'Registered' } },
      'activation',
    ],
    [
      'status not tagged at all',
      { registration_status: ['registered'] },
      { registration: { status: 'Walk-in' } },
      'untagged_status',
    ],
    [
      'numeric status, untagged',
      { registration_status: ['registered'] },
      { registration: { status: 7 } },
      'untagged_status',
    ],
    ['no status', { registration_status: ['registered'] }, { registration: {} }, 'activation'],
    ['no registration', { registration_status: ['registered'] }, {}, 'activation'],
    ['no status but carried tags', { registration_status: ['x'] }, { registration: { status_tags: ['x'] } }, 'f1'],
    [
      'another tenant’s assignment',
      { registration_status: ['registered'] },
      { registration: { status: 'Pending' } },
      'untagged_status',
    ],
    [
      'the new status, not the previous one',
      { registration_status: ['registered'] },
      { registration: { status: 'Attended', previous_status: 'Registered' } },
      'activation',
    ],
    // session_registration_status
    [
      'assigned session status tag',
      { session_registration_status: ['engaged'] },
      { registration: { session: { status: 'Attended' } } },
      'f1',
    ],
    [
      'carried session status tag',
      { session_registration_status: ['s'] },
      { registration: { session: { status: 'X', status_tags: ['s'] } } },
      'f1',
    ],
    [
      'session status untagged',
      { session_registration_status: ['engaged'] },
      { registration: { session: { status: 'No Show' } } },
      'untagged_status',
    ],
    [
      'session status tagged otherwise',
      { session_registration_status: ['other'] },
      { registration: { session: { status: 'Attended' } } },
      'activation',
    ],
    [
      'registration status does not count for the session',
      { session_registration_status: ['engaged'] },
      { registration: { status: 'Attended' } },
      'activation',
    ],
    // event_status
    ['assigned event status tag', { event_status: ['published'] }, { event: { status: 'Live' } }, 'f1'],
    [
      'carried event status tag',
      { event_status: ['open'] },
      { event: { status: 'Open', status_tags: ['open'] } },
      'f1',
    ],
    ['event status untagged', { event_status: ['published'] }, { event: { status: 'Draft' } }, 'untagged_status'],
    ['event status tagged otherwise', { event_status: ['closed'] }, { event: { status: 'Live' } }, 'activation'],
    // registration_property
    [
      'assigned property tag',
      { registration_property: ['paid'] },
      { registration: { properties: { Paid: true } } },
      'f1',
    ],
    [
      'property name in other case',
      { registration_property: ['paid'] },
      { registration: { properties: { paid: 'yes' } } },
      'f1',
    ],
    [
      'property not set',
      { registration_property: ['paid'] },
      { registration: { properties: { Paid: false } } },
      'activation',
    ],
    [
      'property set to "false"',
      { registration_property: ['paid'] },
      { registration: { properties: { Paid: 'false' } } },
      'activation',
    ],
    [
      'property set to 0',
      { registration_property: ['paid'] },
      { registration: { properties: { Paid: 0 } } },
      'activation',
    ],
    [
      'properties as a list of set names',
      { registration_property: ['paid'] },
      { registration: { properties: ['Paid'] } },
      'f1',
    ],
    [
      'standard property tags itself',
      { registration_property: ['Complete'] },
      { registration: { properties: { Complete: true } } },
      'f1',
    ],
    [
      'standard property not set',
      { registration_property: ['Complete'] },
      { registration: { properties: { Complete: false } } },
      'activation',
    ],
    [
      'custom property does not tag itself',
      { registration_property: ['Sponsor'] },
      { registration: { properties: { Sponsor: true } } },
      'activation',
    ],
    ['carried property tags', { registration_property: ['hot'] }, { registration: { property_tags: ['hot'] } }, 'f1'],
    [
      'union of property tags',
      { registration_property: ['paid'] },
      { registration: { properties: { Paid: true }, property_tags: ['hot'] } },
      'f1',
    ],
    [
      'untagged property is activation, not untagged_status',
      { registration_property: ['paid'] },
      { registration: { properties: { Sponsor: true } } },
      'activation',
    ],
    ['no properties', { registration_property: ['paid'] }, { registration: {} }, 'activation'],
    // several objects combine with AND, tags of one object with OR
    [
      'any listed tag of one object',
      { registration_status: ['engaged', 'registered'] },
      { registration: { status: 'Registered' } },
      'f1',
    ],
    [
      'status and property both hold',
      { registration_status: ['registered'], registration_property: ['paid'] },
      { registration: { status: 'Registered', properties: { Paid: true } } },
      'f1',
    ],
    [
      'status holds, property does not',
      { registration_status: ['registered'], registration_property: ['paid'] },
      { registration: { status: 'Registered', properties: {} } },
      'activation',
    ],
    [
      'property holds, status untagged',
      { registration_status: ['registered'], registration_property: ['paid'] },
      { registration: { status: 'Walk-in', properties: { Paid: true } } },
      'untagged_status',
    ],
    ['empty list is no condition', { registration_status: [] }, { registration: { status: 'Walk-in' } }, 'f1'],
    ['no activation, untagged status', {}, { registration: { status: 'Walk-in' } }, 'f1'],
  ])('%s', (_name, activateFor, data, expected) => {
    expect(outcome([flow({ activateFor })], event(data))).toBe(expected);
  });

  it('activates a status-change flow only for the listed status tags', () => {
    const statusFlow = flow({
      source: { preset: 'registration_status_change' },
      activateFor: { registration_status: ['engaged'] },
    });
    const changed = (status: string) =>
      event({ registration: { status, previous_status: 'Registered' } }, { type: 'registration.status_changed' });
    expect(outcome([statusFlow], changed('Attended'))).toBe('f1');
    expect(outcome([statusFlow], changed('Registered'))).toBe('activation');
    expect(outcome([statusFlow], changed('No Show'))).toBe('untagged_status');
  });

  it('activates a session status-change flow for session status tags', () => {
    const sessionFlow = flow({
      source: { preset: 'session_registration_status_change' },
      activateFor: { session_registration_status: ['engaged'] },
    });
    const changed = (status: string) =>
      event({ registration: { session: { code: 'S1', status } } }, { type: 'session_registration.status_changed' });
    expect(outcome([sessionFlow], changed('Attended'))).toBe('f1');
    expect(outcome([sessionFlow], changed('No Show'))).toBe('untagged_status');
  });

  it('uses assignments of the snapshot it was built with', () => {
    const flows = [flow({ activateFor: { registration_status: ['registered'] } })];
    const e = event({ registration: { status: 'Registered' } });
    expect(outcome(flows, e, TagIndex.EMPTY)).toBe('untagged_status');
    expect(outcome(flows, e, TAGS)).toBe('f1');
  });
});

describe('FlowIndex: filters', () => {
  const data = {
    profile: {
      position: 'CEO',
      country: 'DE',
      interests: ['ai', 'cloud'],
      custom: { tier: 'gold' },
      'Job.Level': 'senior',
    },
    registration: { attendee_type: 'VIP', attendee_type_tags: ['speaker'] },
    event: {
      id: 'evt_abc123xyz',
      code: 'EMEA25',
      name: 'Summit',
      seats: 250,
      custom: { region: 'emea' },
      tags: ['carried'],
    },
  };
  type Row = [string, FlowFilter, boolean];
  it.each<Row>([
    // on: event reads data.event.<field>
    ['event code eq', { on: 'event', field: 'code', op: 'eq', value: 'EMEA25' }, true],
    ['event code neq', { on: 'event', field: 'code', op: 'neq', value: 'EMEA25' }, false],
    ['event number eq text', { on: 'event', field: 'seats', op: 'eq', value: '250' }, true],
    ['event custom field by path', { on: 'event', field: 'custom.region', op: 'in', value: ['emea', 'apac'] }, true],
    ['event name contains', { on: 'event', field: 'name', op: 'contains', value: 'summ' }, true],
    ['missing event field eq', { on: 'event', field: 'venue', op: 'eq', value: 'Berlin' }, false],
    ['missing event field neq', { on: 'event', field: 'venue', op: 'neq', value: 'Berlin' }, true],
    ['missing event field exists', { on: 'event', field: 'venue', op: 'exists', value: true }, false],
    ['missing event field not exists', { on: 'event', field: 'venue', op: 'exists', value: false }, true],
    ['event tag assigned by id', { on: 'event', field: 'tags', op: 'contains', value: 'flagship' }, true],
    ['event tag assigned by code', { on: 'event', field: 'tags', op: 'contains', value: 'emea' }, true],
    ['event tag carried', { on: 'event', field: 'tags', op: 'contains', value: 'carried' }, true],
    ['event tag absent', { on: 'event', field: 'tags', op: 'contains', value: 'apac' }, false],
    ['event tags nin', { on: 'event', field: 'tags', op: 'nin', value: ['apac', 'amer'] }, true],
    // on: profile reads data.profile.<field>
    ['profile eq', { on: 'profile', field: 'position', op: 'eq', value: 'ceo' }, true],
    ['profile in', { on: 'profile', field: 'country', op: 'in', value: ['FR', 'DE'] }, true],
    ['profile nin', { on: 'profile', field: 'country', op: 'nin', value: ['FR', 'DE'] }, false],
    ['profile multi-select contains', { on: 'profile', field: 'interests', op: 'contains', value: 'AI' }, true],
    ['profile custom path', { on: 'profile', field: 'custom.tier', op: 'eq', value: 'gold' }, true],
    ['profile key with a dot', { on: 'profile', field: 'Job.Level', op: 'eq', value: 'senior' }, true],
    ['profile exists', { on: 'profile', field: 'position', op: 'exists' }, true],
    ['missing profile field in', { on: 'profile', field: 'phone', op: 'in', value: ['1'] }, false],
    ['missing profile field nin', { on: 'profile', field: 'phone', op: 'nin', value: ['1'] }, true],
    ['missing profile field contains', { on: 'profile', field: 'phone', op: 'contains', value: '1' }, false],
    ['prototype is not a field', { on: 'profile', field: 'constructor', op: 'exists' }, false],
    // on: attendee_type reads data.registration.attendee_type, or its tags with field `tags`
    ['attendee type value', { on: 'attendee_type', field: 'value', op: 'eq', value: 'vip' }, true],
    ['attendee type value in', { on: 'attendee_type', field: 'value', op: 'in', value: ['Staff', 'VIP'] }, true],
    ['attendee type tag assigned', { on: 'attendee_type', field: 'tags', op: 'contains', value: 'vip' }, true],
    ['attendee type tag carried', { on: 'attendee_type', field: 'tags', op: 'in', value: ['speaker'] }, true],
    ['attendee type tag absent', { on: 'attendee_type', field: 'tags', op: 'contains', value: 'press' }, false],
    ['attendee type tag neq', { on: 'attendee_type', field: 'tags', op: 'neq', value: 'press' }, true],
  ])('%s', (_name, filter, passes) => {
    expect(outcome([flow({ filters: [filter] })], event(data))).toBe(passes ? 'f1' : 'filter');
  });

  it.each<[string, FlowFilter, boolean]>([
    ['eq', { on: 'attendee_type', field: 'value', op: 'eq', value: 'VIP' }, false],
    ['neq', { on: 'attendee_type', field: 'value', op: 'neq', value: 'VIP' }, true],
    ['tags contains', { on: 'attendee_type', field: 'tags', op: 'contains', value: 'vip' }, false],
    ['tags nin', { on: 'attendee_type', field: 'tags', op: 'nin', value: ['vip'] }, true],
    ['exists', { on: 'attendee_type', field: 'value', op: 'exists' }, false],
    ['not exists', { on: 'attendee_type', field: 'value', op: 'exists', value: false }, true],
  ])('without attendee type: %s', (_name, filter, passes) => {
    expect(outcome([flow({ filters: [filter] })], event({ profile: {} }))).toBe(passes ? 'f1' : 'filter');
  });

  it('requires every filter to hold', () => {
    const both: FlowFilter[] = [
      { on: 'profile', field: 'position', op: 'eq', value: 'CEO' },
      { on: 'event', field: 'code', op: 'eq', value: 'EMEA25' },
    ];
    expect(outcome([flow({ filters: both })], event(data))).toBe('f1');
    expect(outcome([flow({ filters: both })], event({ ...data, event: { code: 'US25' } }))).toBe('filter');
  });
});

describe('FlowIndex: not-triggered reasons', () => {
  const tagged = { registration: { status: 'Registered' }, profile: { position: 'CEO' } };
  it.each<[string, FlowDefinition[], FlowlineEvent, NotTriggeredReason]>([
    ['no flow at all', [], event(tagged), 'source'],
    ['no flow watching the type', [flow({ source: { types: ['event.ended'] } })], event(tagged), 'source'],
    ['only flows of other tenants', [flow({ tenant: 'other' })], event(tagged), 'source'],
    ['inactive', [flow({ active: false })], event(tagged), 'inactive'],
    ['incomplete', [flow({ destination: {} })], event(tagged), 'inactive'],
    ['live flow, test event', [flow()], event(tagged, { test: true }), 'mode'],
    ['test flow, live event', [flow({ live: false })], event(tagged), 'mode'],
    [
      'untagged status',
      [flow({ activateFor: { registration_status: ['registered'] } })],
      event({ registration: { status: 'X' } }),
      'untagged_status',
    ],
    ['activation', [flow({ activateFor: { registration_status: ['engaged'] } })], event(tagged), 'activation'],
    [
      'filter',
      [flow({ filters: [{ on: 'profile', field: 'position', op: 'eq', value: 'CTO' }] })],
      event(tagged),
      'filter',
    ],
    [
      'the flow that came closest decides',
      [
        flow({ id: 'a', active: false }),
        flow({ id: 'b', live: false }),
        flow({ id: 'c', filters: [{ on: 'profile', field: 'position', op: 'eq', value: 'CTO' }] }),
        flow({ id: 'd', activateFor: { registration_status: ['engaged'] } }),
      ],
      event(tagged),
      'filter',
    ],
    ['mode beats inactive', [flow({ id: 'a', active: false }), flow({ id: 'b', live: false })], event(tagged), 'mode'],
    [
      'activation beats untagged status',
      [
        flow({ id: 'a', activateFor: { registration_status: ['engaged'] } }),
        flow({ id: 'b', activateFor: { registration_status: ['registered'], event_status: ['published'] } }),
      ],
      event({ registration: { status: 'Registered' }, event: { status: 'Draft' } }),
      'activation',
    ],
  ])('%s', (_name, flows, e, reason) => {
    const result = new FlowIndex(flows, TAGS).match(e);
    expect(result).toMatchObject({ matched: [], notTriggered: reason });
  });

  it('reports no reason when a flow triggers, whatever the others say', () => {
    const result = new FlowIndex([flow({ id: 'a', active: false }), flow({ id: 'b' })], TAGS).match(event());
    expect(result.notTriggered).toBeUndefined();
    expect(result.matched.map((f) => f.id)).toEqual(['b']);
  });
});

describe('FlowIndex: several flows', () => {
  it('matches every flow that takes the event, once each, ordered by id', () => {
    const flows = [
      flow({ id: 'f3', source: { types: ['registration.created', 'registration.created'] } }),
      flow({ id: 'f1', activateFor: { registration_status: ['registered'] } }),
      flow({ id: 'f2', source: { types: ['registration.created', 'registration.updated'] } }),
      flow({ id: 'f0', filters: [{ on: 'profile', field: 'position', op: 'eq', value: 'CTO' }] }),
      flow({ id: 'f4', tenant: 'other' }),
    ];
    const e = event({ registration: { status: 'Registered' } });
    const result = new FlowIndex(flows, TAGS).match(e);
    expect(result.matched.map((f) => f.id)).toEqual(['f1', 'f2', 'f3']);
    expect(new FlowIndex([...flows].reverse(), TAGS).match(e).matched.map((f) => f.id)).toEqual(['f1', 'f2', 'f3']);
    expect(result.matched[0]?.destination).toEqual(destination);
  });
});

describe('FlowIndex: cost', () => {
  it('examines only the flows of the event’s tenant that watch its type', () => {
    const noise: FlowDefinition[] = [];
    for (let i = 0; i < 10_000; i++) {
      noise.push(
        i % 2 === 0
          ? flow({ id: `other-${i}`, tenant: `tenant-${i}` })
          : flow({ id: `type-${i}`, source: { types: [`custom.type_${i}`] } }),
      );
    }
    const assignments = noise.map((f, i) => assign(`tag-${i}`, 'registration_status', `Status ${i}`, f.tenant));
    const mine = flow({ id: 'mine', activateFor: { registration_status: ['registered'] } });
    const e = event({ registration: { status: 'Registered' } });

    const small = new FlowIndex([mine], TAGS).match(e);
    const large = new FlowIndex(
      [...noise, mine],
      new TagIndex([...assignments, assign('registered', 'registration_status', 'Registered')]),
    ).match(e);

    expect(small).toMatchObject({ examined: 1, matched: [mine] });
    expect(large).toMatchObject({ examined: 1, matched: [mine] });
  });
});

describe('evaluateFlow', () => {
  it('evaluates one flow as the index does', () => {
    const one = flow({ activateFor: { registration_status: ['registered'] } });
    expect(evaluateFlow(one, event({ registration: { status: 'Registered' } }), TAGS)).toBeUndefined();
    expect(evaluateFlow(one, event({ registration: { status: 'Registered' } }))).toBe('untagged_status');
    expect(evaluateFlow(one, event({}, { type: 'event.ended' }), TAGS)).toBe('source');
    expect(evaluateFlow(one, event({}, { tenant: 'other' }), TAGS)).toBe('source');
  });
});

describe('buildFlowIndex', () => {
  it('builds from entity-shaped rows', () => {
    const index = buildFlowIndex({
      flows: [
        {
          id: 'f1',
          tenantId: 'acme',
          name: 'Registered',
          live: true,
          active: true,
          source: { preset: 'registration_status_change' },
          activateFor: { registration_status: ['registered'] },
          filters: [{ on: 'attendee_type', field: 'tags', op: 'contains', value: 'vip' }],
          connectionId: 'c',
          payloadMappingId: 'm',
          headerMappingId: null,
        },
      ],
      tagAssignments: [
        assign('registered', 'registration_status', 'Registered'),
        assign('vip', 'attendee_type', 'VIP'),
      ],
    });
    const changed = (attendeeType: string) =>
      event(
        { registration: { status: 'Registered', attendee_type: attendeeType } },
        { type: 'registration.status_changed' },
      );
    expect(index.match(changed('VIP')).matched.map((f) => f.id)).toEqual(['f1']);
    expect(index.match(changed('Staff')).notTriggered).toBe('filter');
  });
});

describe('FlowIndex: arbitrary data', () => {
  const every: FlowDefinition[] = [
    flow({ id: 'a', activateFor: { registration_status: ['registered'], session_registration_status: ['engaged'] } }),
    flow({ id: 'b', activateFor: { event_status: ['published'], registration_property: ['paid', 'Complete'] } }),
    ...(['event', 'profile', 'attendee_type'] as const).flatMap((on) =>
      (['eq', 'neq', 'in', 'nin', 'exists', 'contains'] as const).flatMap((op) =>
        ['tags', 'code', 'custom.region', 'value'].map((field) =>
          flow({
            id: `${on}-${op}-${field}`,
            filters: [{ on, field, op, value: op === 'in' || op === 'nin' ? ['x', 1] : 'x' }],
          }),
        ),
      ),
    ),
  ];
  const index = new FlowIndex(every, TAGS);
  const section = fc.oneof(
    fc.jsonValue(),
    fc.dictionary(
      fc.constantFrom(
        'status',
        'status_tags',
        'properties',
        'property_tags',
        'session',
        'attendee_type',
        'attendee_type_tags',
        'tags',
        'code',
        'id',
        'custom',
        '__proto__',
        'constructor',
      ),
      fc.jsonValue(),
    ),
  );

  it('never throws, and always says why when nothing matched', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ registration: section, event: section, profile: section }, { requiredKeys: [] }),
        ),
        fc.boolean(),
        (data, test) => {
          const result = index.match(event(data as Record<string, unknown>, { test }));
          expect(result.examined).toBe(every.length);
          expect(result.matched.length > 0 || result.notTriggered !== undefined).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
