import { MappingContext, MappingField, MappingInput } from './mapping-definition';
import { renderMapping } from './render-mapping';

const input: MappingInput = {
  id: 'evt-1',
  type: 'registration.created',
  subject: 'att-1',
  time: '2025-01-10T09:00:00Z',
  tenant: 'acme',
  data: {
    profile: { first_name: 'Ada', last_name: null, email: 'ada@example.com', position: '', organization: 'Acme' },
    registration: {
      status: 'Registered',
      answers: [{ question: 'Interests', answer: ['Machine Learning', 'Math'] }],
      products: ['Premium Magazine', 'Daily News', 'premium magazine'],
    },
    engagement: { live_minutes: 42, live_percent_viewed: 84.5, polls: [] },
  },
};

const render = (fields: unknown[], context: MappingContext = {}) =>
  renderMapping({ fields: fields as MappingField[] }, input, context);

describe('renderMapping', () => {
  it('writes targets in field order and builds nested objects from dotted targets', () => {
    const { payload, errors } = render([
      { target: 'contact.first_name', source: 'profile.first_name' },
      { target: 'minutes', source: 'engagement.live_minutes' },
      { target: 'contact.email', source: 'email' },
      { target: 'meta.event.id', source: '$id' },
      { target: 'integration', value: 'sequel_integration' },
    ]);
    expect(errors).toEqual([]);
    expect(JSON.stringify(payload)).toBe(
      JSON.stringify({
        contact: { first_name: 'Ada', email: 'ada@example.com' },
        minutes: 42,
        meta: { event: { id: 'evt-1' } },
        integration: 'sequel_integration',
      }),
    );
  });

  it.each<[string, MappingField, Record<string, unknown>]>([
    ['a number stays a number', { target: 'x', source: 'live_minutes' }, { x: 42 }],
    ['a fraction stays a number', { target: 'x', source: 'live_percent_viewed' }, { x: 84.5 }],
    ['a transform makes text', { target: 'x', source: 'live_minutes', transforms: ['trim'] }, { x: '42' }],
    ['a template makes text', { target: 'x', template: '{{live_minutes}}' }, { x: '42' }],
    ['a static value keeps its type', { target: 'x', value: { nested: [1, true] } }, { x: { nested: [1, true] } }],
    ['a static null is written', { target: 'x', value: null }, { x: null }],
    ['a static value is transformed too', { target: 'x', value: 'abc', transforms: ['upper'] }, { x: 'ABC' }],
    ['a list answer stays a list', { target: 'x', source: 'question:Interests' }, { x: ['Machine Learning', 'Math'] }],
    ['a missing source omits the target', { target: 'x', source: 'profile.phone' }, {}],
    ['a null source omits the target', { target: 'x', source: 'last_name' }, {}],
    ['an empty text is a value', { target: 'x', source: 'profile.position' }, { x: '' }],
    ['a missing source writes the default', { target: 'x', source: 'profile.phone', default: 'n/a' }, { x: 'n/a' }],
    ['a null source writes the default', { target: 'x', source: 'last_name', default: 0 }, { x: 0 }],
    ['an empty text keeps it over the default', { target: 'x', source: 'profile.position', default: 'd' }, { x: '' }],
    [
      'the default is not transformed or mapped',
      { target: 'x', source: 'nope', default: 'Registered', transforms: ['upper'], value_map: { Registered: 'r' } },
      { x: 'Registered' },
    ],
    [
      'value_map applies after transforms',
      { target: 'x', source: 'status', transforms: ['upper'], value_map: { REGISTERED: 'reg', Registered: 'no' } },
      { x: 'reg' },
    ],
    ['value_map may give numbers', { target: 'x', source: 'status', value_map: { Registered: 1 } }, { x: 1 }],
    [
      'an unmapped value passes through',
      { target: 'x', source: 'status', value_map: { Attended: 2 } },
      { x: 'Registered' },
    ],
    ['a template missing every placeholder is missing', { target: 'x', template: '{{a}} @ {{b}}' }, {}],
    ['... and then writes its default', { target: 'x', template: '{{a}} @ {{b}}', default: 'none' }, { x: 'none' }],
    [
      'a partly missing template renders the rest',
      { target: 'x', template: '{{nope}} @ {{profile.organization}}' },
      { x: ' @ Acme' },
    ],
    [
      'tags from a list, prefixed and de-duplicated',
      { target: 'tags', tags: { prefix: 'sesamy_active_entitlement_', from: ['registration.products'] } },
      { tags: ['sesamy_active_entitlement_premium-magazine', 'sesamy_active_entitlement_daily-news'] },
    ],
    [
      'tags from named fields and static values',
      { target: 'tags', tags: { prefix: 'flowline_', from: ['status', 'question:Interests'], values: ['VIP'] } },
      { tags: ['flowline_registered', 'flowline_machine-learning', 'flowline_math', 'flowline_VIP'] },
    ],
    [
      'Sesamy fixed tags as written, event values slugified',
      {
        target: 'tags',
        tags: { prefix: 'sesamy_', from: ['status'], values: ['active_subscriber', 'made_single_purchase'] },
      },
      { tags: ['sesamy_registered', 'sesamy_active_subscriber', 'sesamy_made_single_purchase'] },
    ],
    [
      'tags are value-mapped before slugifying',
      { target: 'tags', tags: { prefix: 's_', from: ['status'] }, value_map: { Registered: 'Signed Up' } },
      { tags: ['s_signed-up'] },
    ],
    [
      'tags within max_length',
      { target: 't', tags: { prefix: 'abc_', values: ['defghij'], max_length: 6 } },
      { t: ['abc_de'] },
    ],
    ['no tags is missing', { target: 't', tags: { prefix: 'p_', from: ['nothing'] } }, {}],
    ['no tags writes the default', { target: 't', tags: { from: ['nothing'] }, default: [] }, { t: [] }],
  ])('%s', (_, field, expected) => {
    const { payload, errors } = render([field]);
    expect(errors).toEqual([]);
    expect(payload).toStrictEqual(expected);
  });

  it.each<[string, MappingField]>([
    ['a missing source', { target: 'phone', source: 'profile.phone', required: true }],
    ['a null source', { target: 'last', source: 'last_name', required: true }],
    ['an empty text', { target: 'position', source: 'profile.position', required: true }],
    ['a blank text trimmed to empty', { target: 'blank', value: '   ', transforms: ['trim'], required: true }],
    ['a template without any value', { target: 'title', template: '{{a}}{{b}}', required: true }],
    ['an empty tag list', { target: 'tags', tags: { from: ['nothing'] }, required: true }],
  ])('a required target fails with %s, naming the target', (_, field) => {
    const { payload, errors } = render([field, { target: 'other', value: 1 }]);
    expect(errors).toEqual([`${field.target}: required, but the event has no value for it`]);
    expect(payload).toEqual({ other: 1 });
  });

  it.each<[string, MappingField, unknown]>([
    ['a value', { target: 'email', source: 'email', required: true }, 'ada@example.com'],
    ['zero', { target: 'n', source: 'on_demand_minutes', default: 0, required: true }, 0],
    ['false', { target: 'b', value: false, required: true }, false],
    ['a default', { target: 'phone', source: 'profile.phone', default: 'unknown', required: true }, 'unknown'],
  ])('a required target is satisfied by %s', (_, field, expected) => {
    const { payload, errors } = render([field]);
    expect(errors).toEqual([]);
    expect(payload[field.target]).toEqual(expected);
  });

  it('reads the context: flow name, account code, date and question tags', () => {
    const context: MappingContext = {
      flowName: 'VIP flow',
      accountCode: 'ACME',
      now: new Date('2025-06-01T12:00:00Z'),
      questionTags: { topics: ['Interests'] },
    };
    const { payload } = render(
      [
        { target: 'flow', source: 'flow_name' },
        { target: 'account', source: 'account_code' },
        { target: 'date', source: 'current_date' },
        { target: 'topics', source: 'question:topics' },
        { target: 'summary', template: '{{flow_name}} on {{current_date}}' },
      ],
      context,
    );
    expect(payload).toEqual({
      flow: 'VIP flow',
      account: 'ACME',
      date: '2025-06-01',
      topics: ['Machine Learning', 'Math'],
      summary: 'VIP flow on 2025-06-01',
    });
  });

  it('reports malformed fields by target or position, and still renders the good ones', () => {
    const { payload, errors } = render([
      { target: 'a', source: 'email', value: 'x' },
      { target: 'b' },
      { source: 'email' },
      { target: 'c..d', value: 1 },
      { target: 'e', source: '$nope' },
      { target: 'f', value: 'x', transforms: ['sideways'] },
      'not a field',
      { target: 'ok', value: 'yes' },
    ]);
    expect(payload).toEqual({ ok: 'yes' });
    expect(errors).toEqual([
      'a: has source and value: only one of source, template, value or tags',
      'b: needs one of source, template, value or tags',
      'fields[2]: target must be a non-empty text',
      'c..d: target is not a valid dotted path',
      'e: source $nope is not an envelope field ($id $type $subject $time $tenant $source)',
      'f: unknown transform "sideways" (lower, upper, proper, trim)',
      'fields[6]: a field must be an object',
    ]);
  });

  it('reports a target that is both a value and a parent, keeping the first', () => {
    const { payload, errors } = render([
      { target: 'contact', value: 'x' },
      { target: 'contact.name', value: 'y' },
      { target: 'person.name', value: 'z' },
      { target: 'person', value: 'w' },
    ]);
    expect(payload).toEqual({ contact: 'x', person: { name: 'z' } });
    expect(errors).toEqual([
      'contact.name: conflicts with target contact, which holds a value',
      'person: conflicts with targets nested under it',
    ]);
  });

  it('writes copies: a later nested target never changes the event or the mapping', () => {
    const fields: MappingField[] = [
      { target: 'profile', source: 'profile' },
      { target: 'profile.extra', value: 1 },
      { target: 'meta', value: {} },
      { target: 'meta.added', value: 2 },
    ];
    const before = JSON.stringify({ input, fields });
    const { payload } = render(fields);
    expect(payload).toMatchObject({ profile: { first_name: 'Ada', extra: 1 }, meta: { added: 2 } });
    expect(JSON.stringify({ input, fields })).toBe(before);
  });

  it('writes `__proto__` and `constructor` targets as plain keys', () => {
    const { payload } = render([
      { target: '__proto__.polluted', value: true },
      { target: 'constructor', value: 'c' },
    ]);
    expect(JSON.stringify(payload)).toBe('{"__proto__":{"polluted":true},"constructor":"c"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports instead of throwing when the event itself is not an object', () => {
    const fields: MappingField[] = [
      { target: 'id', source: '$id' },
      { target: 'static', value: 1 },
    ];
    const { payload, errors } = renderMapping({ fields }, null as never);
    expect(payload).toEqual({ static: 1 });
    expect(errors).toEqual([expect.stringMatching(/^id: could not be rendered/)]);
  });

  it('answers a mapping without fields with an error', () => {
    expect(renderMapping({} as never, input)).toEqual({ payload: {}, errors: ['fields must be a list of fields'] });
    expect(renderMapping(null as never, input)).toEqual({ payload: {}, errors: ['fields must be a list of fields'] });
  });
});

describe('renderMapping with the same field objects again (their checks are kept per object)', () => {
  it('names a field by its position in each mapping that holds it', () => {
    const untargeted = { source: 'profile.first_name' };
    expect(render([untargeted]).errors).toEqual([expect.stringMatching(/^fields\[0\]: /)]);
    expect(render([{ target: 'a', value: 1 }, untargeted]).errors).toEqual([expect.stringMatching(/^fields\[1\]: /)]);
    expect(render([untargeted]).errors).toEqual([expect.stringMatching(/^fields\[0\]: /)]);
  });

  it('renders each event with its own values, and a changed mapping (a new object) by its new fields', () => {
    const field = { target: 'name', source: 'profile.first_name' };
    const mapping = { fields: [field] };
    expect(renderMapping(mapping, input).payload).toEqual({ name: 'Ada' });
    const other = { ...input, data: { profile: { first_name: 'Grace' } } };
    expect(renderMapping(mapping, other).payload).toEqual({ name: 'Grace' });
    expect(renderMapping({ fields: [{ ...field, source: 'profile.email' }] }, input).payload).toEqual({
      name: 'ada@example.com',
    });
  });
});
