import { ActionV1 } from '@flowline/contracts';
import { renderDelivery } from './render-delivery';

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
        events: action.sequence!.events,
      }),
    );
  });

  it('has one webhook-id per (trigger, lead), whichever event completed it', () => {
    const first = renderDelivery(action, noMappings, new Date(0));
    const again = renderDelivery({ ...action, event: { ...action.event, id: 'evt-999' } }, noMappings, new Date(0));
    expect(first.ok && again.ok && first.delivery.id === again.delivery.id).toBe(true);
  });
});
