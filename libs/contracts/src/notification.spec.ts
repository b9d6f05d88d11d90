import { decodeDelivery } from './decode-message';
import { notificationDeliveries, Notice } from './notification';

const notice: Notice = {
  type: 'connection.paused',
  tenant: 'acme',
  at: Date.UTC(2025, 2, 1, 10, 0, 0),
  data: { connection_id: 'c-1', connection_name: 'CRM', reason: 'HTTP 410: endpoint gone', rule: 'gone' },
};

describe('notification deliveries', () => {
  it('one delivery per target, keyed by the tenant, each a delivery the dispatcher can read', () => {
    let next = 0;
    const made = notificationDeliveries(
      notice,
      [
        { id: 'n-1', kind: 'webhook' },
        { id: 'n-2', kind: 'email', emails: ['ops@example.com'] },
      ],
      () => `id${next++}`,
    );
    expect(made.map((m) => m.key)).toEqual(['acme:notifications', 'acme:notifications']);
    expect(made[0]!.delivery).toMatchObject({
      tenant: 'acme',
      subject: 'notifications',
      eventType: 'connection.paused',
      notificationEndpointId: 'n-1',
      body: {
        type: 'connection.paused',
        timestamp: '2025-03-01T10:00:00.000Z',
        data: { connection_id: 'c-1', reason: 'HTTP 410: endpoint gone' },
      },
    });
    expect(made[1]!.delivery).toMatchObject({
      channel: 'email',
      email: { to: ['ops@example.com'], subject: '[Flowline] connection CRM paused' },
    });
    for (const { delivery } of made)
      expect(decodeDelivery(Buffer.from(JSON.stringify(delivery)))).toEqual({ ok: true, value: delivery });
  });

  it('a notice with a dedupe key has the same ids every time it is made', () => {
    const digest = { ...notice, type: 'delivery.abandoned' as const, dedupeKey: 'c-1:1740823200000' };
    const targets = [{ id: 'n-1', kind: 'webhook' as const }];
    expect(notificationDeliveries(digest, targets)[0]!.delivery.id).toBe(
      notificationDeliveries(digest, targets)[0]!.delivery.id,
    );
  });
});
