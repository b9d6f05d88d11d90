import { MappingField, MappingInput } from './mapping-definition';
import { renderHeaders } from './render-headers';

const input: MappingInput = {
  id: 'evt-1',
  type: 'registration.created',
  subject: 'att-1',
  time: '2025-01-10T09:00:00Z',
  tenant: 'acme',
  data: {
    profile: { email: 'ada@example.com', nickname: 'Ada\r\nX-Injected: yes', city: 'Zürich', kanji: '日本' },
    engagement: { live_minutes: 42 },
    registration: { answers: [{ question: 'Topics', answer: ['a', 'b'] }] },
  },
};

const render = (fields: unknown[]) => renderHeaders({ fields: fields as MappingField[] }, input, {});

describe('renderHeaders', () => {
  it('renders a flat map of header name to text, in field order', () => {
    const { headers, errors } = render([
      { target: 'Authorization', value: 'Bearer sk_live_abc123' },
      { target: 'X-Company-ID', value: 'company_789' },
      { target: 'X-Lead', source: '$subject' },
      { target: 'X-Minutes', source: 'live_minutes' },
      { target: 'X-Topics', source: 'question:Topics' },
      { target: 'X-Secure', value: true },
      { target: 'X-City', source: 'profile.city' },
      { target: 'X-Missing', source: 'profile.phone' },
      { target: 'X-Default', source: 'profile.phone', default: 'none' },
    ]);
    expect(errors).toEqual([]);
    expect(JSON.stringify(headers)).toBe(
      JSON.stringify({
        Authorization: 'Bearer sk_live_abc123',
        'X-Company-ID': 'company_789',
        'X-Lead': 'att-1',
        'X-Minutes': '42',
        'X-Topics': 'a, b',
        'X-Secure': 'true',
        'X-City': 'Zürich',
        'X-Default': 'none',
      }),
    );
  });

  it.each<[string, MappingField, string]>([
    ['a nested target', { target: 'auth.token', value: 'x' }, 'auth.token: a header target cannot be nested (no dots)'],
    ['an invalid header name', { target: 'X Bad', value: 'x' }, 'X Bad: target is not a valid HTTP header name'],
    [
      'a value with a line break',
      { target: 'X-Nick', source: 'profile.nickname' },
      'X-Nick: the value holds characters an HTTP header cannot carry (line breaks, control characters, or beyond Latin-1)',
    ],
    [
      'a value beyond Latin-1',
      { target: 'X-Kanji', source: 'profile.kanji' },
      'X-Kanji: the value holds characters an HTTP header cannot carry (line breaks, control characters, or beyond Latin-1)',
    ],
    [
      'a missing required value',
      { target: 'X-Phone', source: 'profile.phone', required: true },
      'X-Phone: required, but the event has no value for it',
    ],
  ])('refuses %s', (_, field, error) => {
    const { headers, errors } = render([field, { target: 'X-Ok', value: 'ok' }]);
    expect(errors).toEqual([error]);
    expect(headers).toEqual({ 'X-Ok': 'ok' });
  });

  it('lets a later field replace the same header in another letter case', () => {
    const { headers } = render([
      { target: 'x-api-key', value: 'old' },
      { target: 'X-API-Key', value: 'new' },
    ]);
    expect(headers).toEqual({ 'X-API-Key': 'new' });
  });
});
