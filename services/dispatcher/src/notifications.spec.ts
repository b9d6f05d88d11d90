import { notificationDeliveries } from '@flowline/contracts';
import { CONNECTION, DispatcherHarness, headersOf, TENANT } from '../test/dispatcher-harness';

const ENDPOINT = '5a0c7a52-3f1e-4d8e-9c1b-8f0a2b3c4d5e';
const MINUTE = 60_000;

/**
 * Notifications (decision 0026) are deliveries of their own kind: the dispatcher sends them to
 * the tenant's notification endpoint like any webhook, and nothing about them can pause a
 * connection or notify again.
 */
describe('notifications', () => {
  let h: DispatcherHarness;
  beforeEach(() => {
    h = new DispatcherHarness({ maxRetries: 10, retryScheduleS: [10], pauseAfterFailingS: 120 });
    h.notificationEndpoints.add(TENANT, ENDPOINT);
  });

  const notification = (id: string) =>
    notificationDeliveries(
      { type: 'connection.paused', tenant: TENANT, at: h.clock.now(), data: { connection_id: CONNECTION } },
      [{ id: ENDPOINT, kind: 'webhook' }],
      () => id,
    )[0]!.delivery;

  it('go to the endpoint’s URL, in order per endpoint', async () => {
    await h.deliver([h.record(notification('n1')), h.record(notification('n2'))]);
    expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['ntf_n1', 'ntf_n2']);
    expect(h.receiver.sentTo.map((to) => to.url)).toEqual(['https://ops.example/notify', 'https://ops.example/notify']);
    expect([h.status('ntf_n1'), h.status('ntf_n2')]).toEqual(['succeeded', 'succeeded']);
  });

  it('are retried, then abandoned, without ever pausing anything or joining a delivery.abandoned digest', async () => {
    h.receiver.answer(503);
    await h.deliver([h.record(notification('n1'))]);
    for (let retry = 0; retry < 3; retry++) {
      const [record] = h.take('retry');
      h.clock.advance(10 * MINUTE);
      await h.deliver([h.consumed(record!)]);
    }
    expect(h.status('ntf_n1')).toBe('abandoned');
    expect(h.take('dlq').map((message) => headersOf(message).attempts)).toEqual(['4']);
    expect(h.notices).toEqual([]);
    expect(h.connections.pausedInDatabase.size).toBe(0);
    expect(h.connections.failingSince.size).toBe(0);
    expect(h.store.digestOf(CONNECTION)).toBeUndefined();
  });

  it('to a deleted endpoint fail (config), told to no one', async () => {
    h.notificationEndpoints.byId.clear();
    await h.deliver([h.record(notification('n1'))]);
    expect(h.store.row('ntf_n1')).toMatchObject({
      status: 'failed',
      lastError: `notification endpoint ${ENDPOINT} not found`,
    });
    expect(h.receiver.sent).toEqual([]);
  });

  it('a delivery to a connection that is abandoned joins the connection’s digest', async () => {
    h = new DispatcherHarness({ maxRetries: 0, pauseAfterFailingS: 0 });
    h.receiver.answer(503);
    await h.deliver([h.record(h.delivery('d1')), h.record(h.delivery('d2', 'lead-2'))]);
    expect(h.store.digestOf(CONNECTION)).toMatchObject({
      count: 2,
      firstFailures: [
        expect.objectContaining({ delivery_id: 'd1', status_code: 503, error: 'HTTP 503' }),
        expect.objectContaining({ delivery_id: 'd2' }),
      ],
    });
  });
});
