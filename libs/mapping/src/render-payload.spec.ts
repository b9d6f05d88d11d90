import { renderPayload } from './render-payload';

const input = {
  id: 'evt-1',
  type: 'registration.created',
  subject: 'att-1',
  time: '2025-01-10T09:00:00Z',
  tenant: 'acme',
  data: { profile: { first_name: 'Ada', email: 'ada@example.com' }, engagement: { live_minutes: 42 } },
};

describe('renderPayload', () => {
  it('builds nested JSON from sources, envelope fields and static values, in field order', () => {
    const { payload, errors } = renderPayload(
      {
        id: 'm',
        tenant: 'acme',
        name: 'm',
        fields: [
          { target: 'contact.first_name', source: 'profile.first_name' },
          { target: 'contact.email', source: 'profile.email' },
          { target: 'minutes', source: 'engagement.live_minutes' },
          { target: 'event_id', source: '$id' },
          { target: 'integration', value: 'sequel_integration' },
        ],
      },
      input,
    );
    expect(errors).toEqual([]);
    expect(JSON.stringify(payload)).toBe(
      JSON.stringify({
        contact: { first_name: 'Ada', email: 'ada@example.com' },
        minutes: 42,
        event_id: 'evt-1',
        integration: 'sequel_integration',
      }),
    );
  });

  it('omits a target without a value, writes its default, and reports a missing required one', () => {
    const { payload, errors } = renderPayload(
      {
        id: 'm',
        tenant: 'acme',
        name: 'm',
        fields: [
          { target: 'last_name', source: 'profile.last_name' },
          { target: 'company', source: 'profile.organization', default: 'unknown' },
          { target: 'phone', source: 'profile.phone', required: true },
        ],
      },
      input,
    );
    expect(payload).toEqual({ company: 'unknown' });
    expect(errors).toEqual([expect.stringContaining('phone')]);
  });
});
