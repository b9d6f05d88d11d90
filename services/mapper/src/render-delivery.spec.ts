import { ActionV1, FlowActionV1 } from '@flowline/contracts';
import { MappingDefinition } from '@flowline/mapping';
import { MappingLookup, renderDelivery } from './render-delivery';

const mappings: MappingDefinition[] = [
  {
    id: 'payload',
    tenant: 'acme',
    name: 'Lead',
    fields: [
      { target: 'contact.email', source: 'email', required: true },
      { target: 'company', source: 'question:company' },
      { target: 'flow', source: 'flow_name' },
      { target: 'account', source: 'account_code' },
      { target: 'sent_on', source: 'current_date' },
    ],
  },
  {
    id: 'headers',
    tenant: 'acme',
    name: 'Auth',
    fields: [
      { target: 'X-Company-ID', value: 'company_789' },
      { target: 'X-Lead', source: '$subject' },
    ],
  },
  { id: 'bad-headers', tenant: 'acme', name: 'Nested', fields: [{ target: 'x.y', value: 'z' }] },
  { id: 'other-tenant', tenant: 'globex', name: 'Theirs', fields: [] },
];

const lookup: MappingLookup = {
  find: (tenant, id) => mappings.find((mapping) => mapping.id === id && mapping.tenant === tenant),
  questionTags: (tenant): Record<string, string[]> => (tenant === 'acme' ? { company: ['Organisation'] } : {}),
};

function action(destination: FlowActionV1['destination'], profile: Record<string, unknown>): ActionV1 {
  return {
    v: 1,
    id: 'act_1',
    tenant: 'acme',
    subject: 'lead-1',
    kind: 'flow',
    flowId: 'flow-1',
    flowName: 'Registrations to CRM',
    event: {
      id: 'evt-1',
      tenant: 'acme',
      type: 'registration.created',
      subject: 'lead-1',
      time: '2025-01-10T09:00:00Z',
      test: false,
      data: { profile, registration: { answers: [{ question: 'Organisation', answer: 'Acme Corp' }] } },
      ingestedAt: 1_736_499_600_000,
    },
    destination,
  };
}

const NOW = new Date('2025-01-10T09:00:05Z');

describe('renderDelivery', () => {
  it('renders the body and the header mapping with the flow, the account, the date and question tags', () => {
    const result = renderDelivery(
      action({ connectionId: 'c1', payloadMappingId: 'payload', headerMappingId: 'headers' }, { email: 'a@b.c' }),
      lookup,
      NOW,
    );
    if (!result.ok) throw new Error(result.error);
    expect(result.delivery.body).toEqual({
      contact: { email: 'a@b.c' },
      company: 'Acme Corp',
      flow: 'Registrations to CRM',
      account: 'acme',
      sent_on: '2025-01-10',
    });
    expect(result.delivery.headers).toEqual({ 'X-Company-ID': 'company_789', 'X-Lead': 'lead-1' });
    expect(result.delivery).toMatchObject({ connectionId: 'c1', flowId: 'flow-1', eventId: 'evt-1' });
  });

  it('gives the same delivery id for the same event, flow and connection', () => {
    const a = renderDelivery(
      action({ connectionId: 'c1', payloadMappingId: 'payload' }, { email: 'a@b.c' }),
      lookup,
      NOW,
    );
    const b = renderDelivery(
      action({ connectionId: 'c1', payloadMappingId: 'payload' }, { email: 'x@y.z' }),
      lookup,
      NOW,
    );
    expect(a.ok && b.ok && a.delivery.id === b.delivery.id).toBe(true);
  });

  const withEmail = { email: 'a@b.c' };
  it.each<[string, FlowActionV1['destination'], Record<string, unknown>, string, RegExp]>([
    [
      'a missing required field',
      { connectionId: 'c1', payloadMappingId: 'payload' },
      {},
      'validation',
      /contact\.email/,
    ],
    [
      'a nested header target',
      { connectionId: 'c1', payloadMappingId: 'payload', headerMappingId: 'bad-headers' },
      withEmail,
      'validation',
      /x\.y/,
    ],
    ['an unknown payload mapping', { connectionId: 'c1', payloadMappingId: 'gone' }, withEmail, 'config', /gone/],
    [
      "another tenant's mapping",
      { connectionId: 'c1', payloadMappingId: 'other-tenant' },
      withEmail,
      'config',
      /other-tenant/,
    ],
    [
      'an unknown header mapping',
      { connectionId: 'c1', payloadMappingId: 'payload', headerMappingId: 'gone' },
      withEmail,
      'config',
      /gone/,
    ],
  ])('refuses %s', (_, destination, profile, category, error) => {
    const result = renderDelivery(action(destination, profile), lookup, NOW);
    // A validation failure names the delivery it stopped, so the delivery log can show it as failed.
    const stopped = { id: expect.stringMatching(/^msg_/), channel: 'webhook', connectionId: 'c1', flowId: 'flow-1' };
    expect(result).toEqual({
      ok: false,
      category,
      error: expect.stringMatching(error),
      ...(category === 'validation' ? { delivery: stopped } : {}),
    });
  });

  it('names the stopped delivery by the id it would have had', () => {
    const destination = { connectionId: 'c1', payloadMappingId: 'payload' };
    const sent = renderDelivery(action(destination, withEmail), lookup, NOW);
    const stopped = renderDelivery(action(destination, {}), lookup, NOW);
    if (!sent.ok || stopped.ok || stopped.category !== 'validation') throw new Error('expected one of each');
    expect(stopped.delivery.id).toBe(sent.delivery.id);
  });
});
