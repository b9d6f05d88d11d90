import {
  ActionV1,
  DeliveryV1,
  WebhookDeliveryV1,
  MAX_DELIVERY_BYTES,
  TOPIC_MAX_MESSAGE_BYTES,
} from '@flowline/contracts';
import { deliveryRecords } from './delivery-records';

const event = {
  id: 'evt-1',
  tenant: 'acme',
  type: 'amp.test',
  subject: 'lead-1',
  time: '2025-01-10T09:00:00Z',
  test: false,
  data: {},
  ingestedAt: 1,
};
const action: ActionV1 = {
  v: 1,
  id: 'act-1',
  tenant: 'acme',
  subject: 'lead-1',
  kind: 'flow',
  flowId: 'f-1',
  event,
  destination: { connectionId: 'c-1', payloadMappingId: 'm-1' },
};

const delivery = (body: unknown): DeliveryV1 => ({
  v: 1,
  id: 'msg_1',
  tenant: 'acme',
  subject: 'lead-1',
  connectionId: 'c-1',
  flowId: 'f-1',
  eventId: 'evt-1',
  eventType: 'amp.test',
  body,
  headers: {},
  ingestedAt: 1,
});

describe('deliveryRecords', () => {
  it('encodes each delivery once, keyed by tenant and subject', () => {
    const result = deliveryRecords(action, [delivery({ a: 1 })], 'flowline.deliveries');
    if (!result.ok) throw new Error(result.error);
    expect(result.records).toHaveLength(1);
    const [record] = result.records;
    expect(record).toMatchObject({ topic: 'flowline.deliveries', key: 'acme:lead-1', type: 'delivery' });
    expect(JSON.parse(record!.rawValue!.toString())).toEqual(delivery({ a: 1 }));
  });

  it('fails a delivery over MAX_DELIVERY_BYTES as a validation failure, with the sizes, naming the delivery', () => {
    const big = delivery({ blob: 'x'.repeat(MAX_DELIVERY_BYTES) });
    const result = deliveryRecords(action, [delivery({ a: 1 }), big], 'flowline.deliveries');
    expect(result).toEqual({
      ok: false,
      category: 'validation',
      error: expect.stringMatching(
        new RegExp(
          `^the rendered delivery is \\d+ bytes, over the ${MAX_DELIVERY_BYTES} bytes a delivery record may have \\(Flowline's topics accept records up to ${TOPIC_MAX_MESSAGE_BYTES} bytes\\)$`,
        ),
      ),
      delivery: { id: 'msg_1', channel: 'webhook', connectionId: 'c-1', flowId: 'f-1' },
    });
    const size = Number(/is (\d+) bytes/.exec(result.ok ? '' : result.error)![1]);
    expect(size).toBeGreaterThan(MAX_DELIVERY_BYTES);
  });

  it('counts the headers too: a body and headers that fit apart can be too large together', () => {
    const half = 'x'.repeat(MAX_DELIVERY_BYTES / 2);
    const result = deliveryRecords(
      action,
      [{ ...delivery({ half }), headers: { 'X-Half': half } }],
      'flowline.deliveries',
    );
    expect(result).toMatchObject({ ok: false, category: 'validation' });
  });

  it("names an email delivery's channel and sequence", () => {
    const { connectionId: _connection, flowId: _flow, url: _url, ...base } = delivery(null) as WebhookDeliveryV1;
    const email: DeliveryV1 = {
      ...base,
      body: null,
      channel: 'email',
      sequenceId: 'seq-1',
      email: { to: ['a@b.c'], subject: 's', text: 'x'.repeat(MAX_DELIVERY_BYTES), html: '' },
    };
    const result = deliveryRecords(action, [email], 'flowline.deliveries');
    expect(result).toMatchObject({ ok: false, delivery: { id: 'msg_1', channel: 'email', sequenceId: 'seq-1' } });
  });
});
