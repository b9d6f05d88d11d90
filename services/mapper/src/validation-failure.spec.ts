import type { ActionV1 } from '@flowline/contracts';
import { validationFailureRecord } from './validation-failure';

const CONNECTION = '5f0c9a52-3d5e-4d8a-9a43-1c1f7e6b2a10';
const FLOW = '9b2e8f3c-7a41-4c55-8e0b-2d6f4a1c3e77';
const AT = new Date('2025-01-10T09:00:05Z');

const action: ActionV1 = {
  v: 1,
  id: 'act_1',
  tenant: 'acme',
  subject: 'lead-1',
  kind: 'flow',
  flowId: FLOW,
  event: {
    id: 'evt-1',
    tenant: 'acme',
    type: 'registration.created',
    subject: 'lead-1',
    time: '2025-01-10T09:00:00Z',
    test: false,
    data: {},
    ingestedAt: 0,
  },
  destination: { connectionId: CONNECTION, payloadMappingId: 'map-1' },
};

describe('validationFailureRecord', () => {
  it('describes the stopped delivery for the delivery log', () => {
    const failure = {
      error: 'contact.email is required but has no value',
      delivery: { id: 'msg_1', channel: 'webhook' as const, connectionId: CONNECTION, flowId: FLOW },
    };
    expect(validationFailureRecord(action, failure, AT)).toEqual({
      deliveryId: 'msg_1',
      tenant: 'acme',
      subject: 'lead-1',
      channel: 'webhook',
      connectionId: CONNECTION,
      flowId: FLOW,
      sequenceId: null,
      eventId: 'evt-1',
      eventType: 'registration.created',
      error: 'contact.email is required but has no value',
      failedAt: AT,
    });
  });

  it('drops what PostgreSQL would refuse instead of stopping the partition', () => {
    const record = validationFailureRecord(
      { ...action, subject: 'lead\u0000-1' },
      {
        error: 'bad\u0000 value',
        delivery: { id: 'msg_2', channel: 'email', connectionId: 'not-a-uuid', flowId: 'flow-1', sequenceId: 'seq-1' },
      },
      AT,
    );
    expect(record).toMatchObject({
      subject: 'lead-1',
      channel: 'email',
      connectionId: null,
      flowId: null,
      sequenceId: 'seq-1',
      error: 'bad value',
    });
  });
});
