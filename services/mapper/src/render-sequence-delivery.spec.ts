import { ActionV1, decodeDelivery, SequenceFired } from '@flowline/contracts';
import { renderDeliveries, renderDelivery } from './render-delivery';

const action: ActionV1 = {
  v: 1,
  id: 'act_1',
  tenant: 'acme',
  subject: 'ld_123',
  kind: 'sequence',
  sequenceId: 'seq-456',
  event: {
    id: 'evt-003',
    tenant: 'acme',
    type: 'demo_request',
    subject: 'ld_123',
    time: '2025-01-14T11:00:00Z',
    test: false,
    data: {},
    ingestedAt: 0,
  },
  sequence: {
    name: 'Buying Intent Sequence',
    eventTypes: ['pricing_page_view', 'whitepaper_download', 'demo_request'],
    events: [
      { id: 'evt-001', event_type: 'pricing_page_view', created_at: '2025-01-10T09:00:00Z' },
      { id: 'evt-002', event_type: 'whitepaper_download', created_at: '2025-01-12T14:30:00Z' },
      { id: 'evt-003', event_type: 'demo_request', created_at: '2025-01-14T11:00:00Z' },
    ],
    webhookUrl: 'https://hooks.example.com/leadvibe',
    emails: [],
  },
};
const noMappings = { find: () => undefined, questionTags: () => ({}) };

describe('a completed sequence becomes a delivery', () => {
  it("carries exactly the reference's webhook payload, to the trigger's webhook_url", () => {
    const result = renderDelivery(action, noMappings, new Date(0));
    if (!result.ok) throw new Error(result.error);
    expect(result.delivery.url).toBe('https://hooks.example.com/leadvibe');
    expect(JSON.stringify(result.delivery.body)).toBe(
      JSON.stringify({
        trigger: { id: 'seq-456', name: 'Buying Intent Sequence', type: 'sequence' },
        lead_id: 'ld_123',
        sequence: ['pricing_page_view', 'whitepaper_download', 'demo_request'],
        events: action.sequence.events,
      }),
    );
  });

  it('has one webhook-id per (trigger, lead), whichever event completed it', () => {
    const first = renderDelivery(action, noMappings, new Date(0));
    const again = renderDelivery({ ...action, event: { ...action.event, id: 'evt-999' } }, noMappings, new Date(0));
    expect(first.ok && again.ok && first.delivery.id === again.delivery.id).toBe(true);
  });
});

describe("a completed sequence's deliveries: its webhook and one email", () => {
  const withEmails = (sequence: Partial<SequenceFired>): ActionV1 => ({
    ...action,
    sequence: { ...action.sequence, ...sequence },
  });

  it('renders the webhook unchanged, then one email to all the emails', () => {
    const webhook = renderDelivery(action, noMappings, new Date(0));
    const result = renderDeliveries(
      withEmails({ emails: ['a@example.com', 'b@example.com'] }),
      noMappings,
      new Date(0),
    );
    if (!result.ok || !webhook.ok) throw new Error('not rendered');
    expect(result.deliveries).toHaveLength(2);
    expect(result.deliveries[0]).toEqual(webhook.delivery);
    const email = result.deliveries[1]!;
    expect(email).toMatchObject({
      channel: 'email',
      tenant: 'acme',
      subject: 'ld_123',
      sequenceId: 'seq-456',
      eventId: 'evt-003',
      body: null,
      email: { to: ['a@example.com', 'b@example.com'], subject: 'Sequence completed: Buying Intent Sequence' },
    });
    expect(email).not.toHaveProperty('connectionId');
    expect(email).not.toHaveProperty('url');
    expect(email.id).toMatch(/^msg_/);
    expect(email.id).not.toBe(webhook.delivery.id);
    expect(decodeDelivery(Buffer.from(JSON.stringify(email)))).toEqual({ ok: true, value: email });
  });

  it('has one email id per (trigger, lead), whichever event completed it', () => {
    const first = renderDeliveries(withEmails({ emails: ['a@example.com'] }), noMappings, new Date(0));
    const again = renderDeliveries(
      { ...withEmails({ emails: ['a@example.com'] }), event: { ...action.event, id: 'evt-999' } },
      noMappings,
      new Date(0),
    );
    if (!first.ok || !again.ok) throw new Error('not rendered');
    expect(first.deliveries[1]!.id).toBe(again.deliveries[1]!.id);
  });

  it('sends a trigger with only emails just the email, and dead-letters one with neither', () => {
    const emailsOnly = renderDeliveries(
      withEmails({ webhookUrl: undefined, emails: ['a@example.com'] }),
      noMappings,
      new Date(0),
    );
    expect(emailsOnly.ok && emailsOnly.deliveries.map((delivery) => delivery.channel)).toEqual(['email']);
    expect(renderDeliveries(action, noMappings, new Date(0))).toMatchObject({
      ok: true,
      deliveries: [{ url: expect.any(String) }],
    });
    const malformed = {
      ...withEmails({ emails: ['a@example.com'] }),
      sequence: { name: 'n', emails: ['a@example.com'] },
    };
    if (!emailsOnly.ok) throw new Error(emailsOnly.error);
    // The stopped email is named by the id it would have had.
    expect(renderDeliveries(malformed as unknown as ActionV1, noMappings, new Date(0))).toEqual({
      ok: false,
      category: 'validation',
      error: 'sequence seq-456 action lacks its events',
      delivery: {
        id: emailsOnly.deliveries[0]!.id,
        channel: 'email',
        sequenceId: 'seq-456',
      },
    });
    expect(renderDeliveries(withEmails({ webhookUrl: undefined }), noMappings, new Date(0))).toEqual({
      ok: false,
      category: 'config',
      error: 'sequence seq-456 has neither webhook_url nor emails',
    });
  });
});
