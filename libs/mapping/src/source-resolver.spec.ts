import { MappingContext, MappingInput } from './mapping-definition';
import { isNamedField, NAMED_FIELD_NAMES } from './named-fields';
import { resolveSource } from './source-resolver';

const data = {
  profile: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', position: 'Analyst' },
  registration: {
    status: 'Attended',
    code: 'R-1',
    answers: [
      { question: 'Company Name', answer: 'Analytical Engines Ltd', tags: [] },
      { question: 'Job Title', answer: 'Programmer', tags: ['title'] },
      { question: 'Organisation size', answer: '11-50' },
      { question: 'Dr. or Mr.?', answer: 'Dr.' },
      { question: 'Interests', answer: ['AI', 'Math'] },
    ],
    utm: { source: 'linkedin', medium: 'social', campaign: 'q1', term: 'engines', content: 'banner' },
  },
  event: { id: 'evt_1', code: 'EV1', name: 'Launch', start: '2025-03-04T16:00:00Z', status: 'Live' },
  engagement: {
    live_minutes: 45,
    on_demand_minutes: 0,
    live_percent_viewed: 90,
    on_demand_percent_viewed: 0,
    polls: [
      { question: 'Q1?', answer: 'A1' },
      { question: 'Q2?', answer: 'A2' },
    ],
    questions: ['How?', { question: 'Why?' }],
    ctas: [
      { name: 'Demo', clicked: 'https://example.com/demo' },
      { name: 'Trial', clicked: null },
      { name: 'Docs', clicked: true, url: 'https://example.com/docs' },
    ],
    resources: [{ name: 'Deck.pdf', clicked: 'https://cdn.example.com/deck.pdf' }, { name: 'Sheet.pdf' }],
  },
  email: 'flat@example.com',
  contractId: 'ctr_9',
};

const input: MappingInput = {
  id: 'evt-1',
  type: 'event.ended',
  subject: 'att-1',
  time: '2025-03-04T17:00:00Z',
  tenant: 'acme',
  data,
};

const context: MappingContext = {
  flowName: 'Attendees to CRM',
  accountCode: 'ACME-01',
  now: '2025-03-05T01:02:03Z',
  questionTags: { company: ['Company Name'], size: ['Organisation size'] },
};

describe('resolveSource', () => {
  it.each<[string, unknown]>([
    // Envelope
    ['$id', 'evt-1'],
    ['$type', 'event.ended'],
    ['$subject', 'att-1'],
    ['$time', '2025-03-04T17:00:00Z'],
    ['$tenant', 'acme'],
    ['$source', undefined],
    ['$unknown', undefined],
    // Paths, with array indexes in either spelling
    ['profile.position', 'Analyst'],
    ['registration.answers.0.answer', 'Analytical Engines Ltd'],
    ['registration.answers[1].answer', 'Programmer'],
    ['engagement.polls.9.question', undefined],
    ['profile.constructor', undefined],
    ['profile.__proto__', undefined],
    ['contractId', 'ctr_9'],
    ['nothing.here', undefined],
    // User and engagement fields
    ['first_name', 'Ada'],
    ['last_name', 'Lovelace'],
    ['full_name', 'Ada Lovelace'],
    ['email', 'ada@example.com'],
    ['status', 'Attended'],
    ['live_minutes', 45],
    ['on_demand_minutes', 0],
    ['live_percent_viewed', 90],
    ['on_demand_percent_viewed', 0],
    // Numbered fields
    ['poll_question_1', 'Q1?'],
    ['poll_answer_2', 'A2'],
    ['poll_answer_3', undefined],
    ['question_asked_1', 'How?'],
    ['question_asked_2', 'Why?'],
    ['question_asked_10', undefined],
    ['cta_name_1', 'Demo'],
    ['cta_clicked_1', 'https://example.com/demo'],
    ['cta_clicked_2', ''],
    ['cta_clicked_3', 'https://example.com/docs'],
    ['cta_clicked_4', undefined],
    ['resource_name_2', 'Sheet.pdf'],
    ['resource_clicked_1', 'https://cdn.example.com/deck.pdf'],
    ['resource_clicked_2', ''],
    // Event, UTM, context
    ['event_id', 'evt_1'],
    ['event_code', 'EV1'],
    ['event_name', 'Launch'],
    ['event_start', '2025-03-04T16:00:00Z'],
    ['utm_source', 'linkedin'],
    ['utm_medium', 'social'],
    ['utm_campaign', 'q1'],
    ['utm_term', 'engines'],
    ['utm_content', 'banner'],
    ['flow_name', 'Attendees to CRM'],
    ['account_code', 'ACME-01'],
    ['current_date', '2025-03-05'],
    // Registration answers: text, own tag, assigned tag, snake_case, Sequel's spelling
    ['question:Company Name', 'Analytical Engines Ltd'],
    ['question:title', 'Programmer'],
    ['question:company', 'Analytical Engines Ltd'],
    ['question:size', '11-50'],
    ['question:company name', 'Analytical Engines Ltd'],
    ['question:Dr. or Mr.?', 'Dr.'],
    ['question:Interests', ['AI', 'Math']],
    ['question_company_name', 'Analytical Engines Ltd'],
    ['question_job_title', 'Programmer'],
    ['question:Nope', undefined],
    // Aliases and other spellings of catalogue names
    ['minutes_watched', 45],
    ['percentage_view_time', 90],
    ['questions_asked', 2],
    ['FirstName', 'Ada'],
    ['firstName', 'Ada'],
    ['Current Date', '2025-03-05'],
    ['Account Code', 'ACME-01'],
  ])('%s', (source, expected) => {
    expect(resolveSource(source, input, context)).toEqual(expected);
  });

  it('prefers the catalogue over a top-level key of the same name, and falls back to it', () => {
    expect(resolveSource('email', input, context)).toBe('ada@example.com');
    const flat = { ...input, data: { email: 'flat@example.com', status: 'active' } };
    expect(resolveSource('email', flat, {})).toBe('flat@example.com');
    expect(resolveSource('status', flat, {})).toBe('active');
  });

  it.each<[string, Record<string, unknown>, unknown]>([
    ['full name from first and last', { profile: { first_name: 'Ada', last_name: 'Lovelace' } }, 'Ada Lovelace'],
    ['full name from first only', { profile: { first_name: 'Ada' } }, 'Ada'],
    ['full name given wins', { profile: { full_name: 'Countess Ada', first_name: 'Ada' } }, 'Countess Ada'],
    ['empty full name falls back', { profile: { full_name: '', last_name: 'Lovelace' } }, 'Lovelace'],
    ['no name at all', { profile: {} }, undefined],
  ])('%s', (_, eventData, expected) => {
    expect(resolveSource('full_name', { ...input, data: eventData }, {})).toEqual(expected);
  });

  it.each<[string, string, MappingContext, unknown]>([
    ['account code defaults to the tenant', 'account_code', {}, 'acme'],
    ['no flow name outside a flow', 'flow_name', {}, undefined],
    ['no date without a clock', 'current_date', {}, undefined],
    ['a Date', 'current_date', { now: new Date('2024-12-31T23:59:59Z') }, '2024-12-31'],
    ['epoch milliseconds', 'current_date', { now: 0 }, '1970-01-01'],
    ['an invalid date', 'current_date', { now: 'not a date' }, undefined],
  ])('context: %s', (_, source, ctx, expected) => {
    expect(resolveSource(source, { ...input, data: {} }, ctx)).toEqual(expected);
  });

  it('the exact question text beats a tag of the same name', () => {
    const answers = [
      { question: 'Other', answer: 'by tag', tags: ['Company'] },
      { question: 'Company', answer: 'by text' },
    ];
    expect(resolveSource('question:Company', { ...input, data: { registration: { answers } } }, {})).toBe('by text');
  });
});

describe('the named field catalogue', () => {
  it('lists every numbered field from 1 to 10 and nothing beyond', () => {
    for (const name of ['poll_question', 'poll_answer', 'question_asked', 'cta_name', 'cta_clicked', 'resource_name']) {
      expect(NAMED_FIELD_NAMES).toContain(`${name}_1`);
      expect(NAMED_FIELD_NAMES).toContain(`${name}_10`);
      expect(NAMED_FIELD_NAMES).not.toContain(`${name}_11`);
    }
  });

  it.each([
    ['email', true],
    ['question:Company Name', true],
    ['question_company_name', true],
    ['minutes_watched', true],
    ['profile.email', false],
    ['contractId', false],
  ])('%s is named: %s', (source, named) => {
    expect(isNamedField(source)).toBe(named);
  });
});
