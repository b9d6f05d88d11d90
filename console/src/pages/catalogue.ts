/** The named source fields of a mapping (docs/CONTRACT.md §5), grouped as the mapping editor offers them. */

const numbered = (prefix: string, label: string): Array<{ value: string; label: string }> =>
  Array.from({ length: 10 }, (_, index) => ({ value: `${prefix}_${index + 1}`, label: `${label} ${index + 1}` }));

export const FIELD_CATALOGUE: Array<{ group: string; fields: Array<{ value: string; label: string }> }> = [
  {
    group: 'Registration',
    fields: [
      { value: 'first_name', label: 'First name' },
      { value: 'last_name', label: 'Last name' },
      { value: 'full_name', label: 'Full name (falls back to first + last)' },
      { value: 'email', label: 'Email' },
      { value: 'status', label: 'Registration status' },
      { value: 'account_code', label: 'Account code' },
      { value: 'question:Company Name', label: 'Registration question (question:<text or tag>)' },
    ],
  },
  {
    group: 'Engagement',
    fields: [
      { value: 'live_minutes', label: 'Live minutes' },
      { value: 'on_demand_minutes', label: 'On-demand minutes' },
      { value: 'live_percent_viewed', label: 'Live % viewed' },
      { value: 'on_demand_percent_viewed', label: 'On-demand % viewed' },
    ],
  },
  {
    group: 'Polls',
    fields: [...numbered('poll_question', 'Poll question'), ...numbered('poll_answer', 'Poll answer')],
  },
  { group: 'Questions asked', fields: numbered('question_asked', 'Question asked') },
  { group: 'CTAs', fields: [...numbered('cta_name', 'CTA name'), ...numbered('cta_clicked', 'CTA clicked')] },
  {
    group: 'Resources',
    fields: [...numbered('resource_name', 'Resource name'), ...numbered('resource_clicked', 'Resource clicked')],
  },
  {
    group: 'UTM',
    fields: ['source', 'medium', 'campaign', 'term', 'content'].map((part) => ({
      value: `utm_${part}`,
      label: `UTM ${part}`,
    })),
  },
  {
    group: 'Event',
    fields: [
      { value: 'event_id', label: 'Event id' },
      { value: 'event_name', label: 'Event name' },
      { value: 'event_start', label: 'Event start' },
    ],
  },
  {
    group: 'Macros and envelope',
    fields: [
      { value: 'flow_name', label: 'Flow name' },
      { value: 'current_date', label: 'Current date' },
      { value: '$id', label: 'Event id ($id)' },
      { value: '$type', label: 'Event type ($type)' },
      { value: '$subject', label: 'Subject ($subject)' },
      { value: '$time', label: 'Event time ($time)' },
      { value: '$tenant', label: 'Tenant ($tenant)' },
      { value: '$source', label: 'Source ($source)' },
    ],
  },
];

/** A registration as docs/CONTRACT.md §2 describes it, to preview a mapping against before any real event. */
export const SAMPLE_EVENTS: Record<string, Record<string, unknown>> = {
  'registration.created': {
    id: 'evt_sample_1',
    tenant: 'sample',
    type: 'registration.created',
    subject: 'att_1001',
    time: '2025-01-10T09:00:00Z',
    data: {
      profile: { first_name: 'John', last_name: 'Doe', email: 'john.doe@example.com', organization: 'Acme' },
      registration: {
        status: 'Registered',
        attendee_type: 'VIP',
        answers: [{ question: 'Company Name', answer: 'Acme Corp' }],
        utm: { source: 'newsletter', medium: 'email', campaign: 'spring' },
      },
      event: { id: 'evt_abc123xyz', name: 'Spring Webinar', start: '2025-01-20T16:00:00Z' },
    },
  },
  'event.ended': {
    id: 'evt_sample_2',
    tenant: 'sample',
    type: 'event.ended',
    subject: 'att_1001',
    time: '2025-01-20T17:00:00Z',
    data: {
      profile: { first_name: 'John', last_name: 'Doe', email: 'john.doe@example.com' },
      registration: { status: 'Attended' },
      event: { id: 'evt_abc123xyz', name: 'Spring Webinar' },
      engagement: {
        live_minutes: 42,
        live_percent_viewed: 84,
        polls: [{ question: 'How did you hear of us?', answer: 'Newsletter' }],
        questions: ['Is there a recording?'],
        ctas: [{ name: 'Book a demo', clicked: true }],
        resources: [{ name: 'Slides', clicked: false }],
      },
    },
  },
};
