import {
  decodeAction,
  decodeDelivery,
  decodeEvent,
  MAX_EVENT_RECORD_BYTES,
  MAX_INTERNAL_RECORD_DEPTH,
} from './decode-message';
import { MAX_DELIVERY_BYTES } from './topics';

const event = {
  id: 'e',
  tenant: 't',
  type: 'registration.created',
  subject: 's',
  time: '2025-01-01T00:00:00Z',
  data: {},
};
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('decoding internal records', () => {
  it('accepts what Flowline itself produces', () => {
    expect(decodeEvent(bytes(event))).toEqual({ ok: true, value: event });
    const action = {
      v: 1,
      id: 'a',
      tenant: 't',
      subject: 's',
      kind: 'flow',
      event,
      destination: { connectionId: 'c' },
    };
    expect(decodeAction(bytes(action))).toEqual({ ok: true, value: action });
    const delivery = {
      v: 1,
      id: 'd',
      tenant: 't',
      subject: 's',
      connectionId: 'c',
      eventId: 'e',
      eventType: 'x',
      body: {},
    };
    expect(decodeDelivery(bytes(delivery))).toEqual({ ok: true, value: delivery });
  });

  it.each([
    ['no value', null, /no value/],
    ['not JSON', bytes('{'), /not JSON/],
    ['an array', bytes([1]), /not a JSON object/],
    ['another version', bytes({ v: 2 }), /unsupported .* version 2/],
    ['missing fields', bytes({ v: 1, id: 'x' }), /lacks/],
  ])('says what is wrong with %s, instead of throwing', (_name, value, reason) => {
    for (const decode of [decodeAction, decodeDelivery]) {
      const result = decode(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(reason);
    }
  });

  it('refuses a record nested too deep for the JSON tools further on, instead of crashing on it', () => {
    const deep = `{"id":"e","tenant":"t","type":"x","subject":"s","data":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    for (const decode of [decodeEvent, decodeAction, decodeDelivery]) {
      const result = decode(Buffer.from(deep));
      expect(result).toEqual({ ok: false, error: `record nests more than ${MAX_INTERNAL_RECORD_DEPTH} levels deep` });
    }
    // The event is one level; data holds the rest.
    const eventOfDepth = (depth: number) =>
      Buffer.from(
        `{"id":"e","tenant":"t","type":"x","subject":"s","data":${'{"a":'.repeat(depth - 1)}1${'}'.repeat(depth - 1)}}`,
      );
    expect(decodeEvent(eventOfDepth(MAX_INTERNAL_RECORD_DEPTH)).ok).toBe(true);
    expect(decodeEvent(eventOfDepth(MAX_INTERNAL_RECORD_DEPTH + 1)).ok).toBe(false);
  });

  it('refuses ids and subjects PostgreSQL cannot store, which would fail their statement on every retry', () => {
    expect(decodeEvent(bytes({ ...event, subject: 'lead-\ud800' }))).toEqual({
      ok: false,
      error: expect.stringMatching(/^record's subject must not hold a NUL character/),
    });
    const action = { v: 1, id: 'a', tenant: 't', subject: 's', kind: 'flow', destination: { connectionId: 'c' } };
    expect(decodeAction(bytes({ ...action, event: { ...event, id: 'e\u0000' } }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^record's event\.id must not hold/),
    });
    const delivery = {
      v: 1,
      id: 'd',
      tenant: 't',
      subject: 's',
      connectionId: 'c',
      eventId: 'e',
      eventType: 'x\udc00',
    };
    expect(decodeDelivery(bytes({ ...delivery, body: {} }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^record's eventType must not hold/),
    });
  });

  it("leaves the event's data and a delivery's body to the receiver: they are never stored as text", () => {
    expect(decodeEvent(bytes({ ...event, data: { note: 'a\u0000b' } })).ok).toBe(true);
    const delivery = { v: 1, id: 'd', tenant: 't', subject: 's', connectionId: 'c', eventId: 'e', eventType: 'x' };
    expect(decodeDelivery(bytes({ ...delivery, body: { note: 'a\u0000b' } })).ok).toBe(true);
  });

  it('refuses events and deliveries larger than Flowline makes them, which would not fit a record further on', () => {
    const over = (limit: number) =>
      Buffer.concat([bytes(event).subarray(0, -1), Buffer.from(`,"pad":"${'x'.repeat(limit)}"}`)]);
    expect(decodeEvent(over(MAX_EVENT_RECORD_BYTES))).toEqual({
      ok: false,
      error: expect.stringMatching(
        new RegExp(`^record is \\d+ bytes, over the ${MAX_EVENT_RECORD_BYTES} bytes it may have$`),
      ),
    });
    expect(decodeDelivery(over(MAX_DELIVERY_BYTES))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/bytes it may have/),
    });
  });

  it('rejects an event without its identifying fields', () => {
    expect(decodeEvent(bytes({ id: 'e' }))).toEqual({ ok: false, error: 'record is not a Flowline event' });
  });
});

it('accepts a sequence action, which carries its trigger instead of a destination', () => {
  const action = {
    v: 1,
    id: 'a',
    tenant: 't',
    subject: 's',
    kind: 'sequence',
    event,
    sequence: { name: 'n', events: [] },
  };
  expect(decodeAction(bytes(action)).ok).toBe(true);
  expect(decodeAction(bytes({ ...action, sequence: undefined })).ok).toBe(false);
});

it('refuses an action of a kind version 1 does not have, saying which', () => {
  const action = {
    v: 1,
    id: 'a',
    tenant: 't',
    subject: 's',
    kind: 'digest',
    event,
    destination: { connectionId: 'c' },
  };
  expect(decodeAction(bytes(action))).toEqual({ ok: false, error: 'unsupported action kind "digest"' });
});

describe('an email delivery (a sequence trigger’s emails)', () => {
  const email = {
    v: 1,
    id: 'd',
    channel: 'email',
    tenant: 't',
    subject: 's',
    eventId: 'e',
    eventType: 'x',
    body: null,
    headers: {},
    email: { to: ['sales@example.com'], subject: 'Hi', text: 'text', html: '<p>html</p>' },
  };

  it('is accepted without a connectionId or url', () => {
    expect(decodeDelivery(bytes(email))).toEqual({ ok: true, value: email });
  });

  it('needs its message and at least one address', () => {
    const without = decodeDelivery(bytes({ ...email, email: undefined }));
    expect(without).toEqual({ ok: false, error: 'delivery lacks email' });
    const noAddress = decodeDelivery(bytes({ ...email, email: { ...email.email, to: [], html: 1 } }));
    expect(noAddress).toEqual({ ok: false, error: 'delivery lacks email.html, email.to' });
  });

  it('does not pass an email channel off as a webhook, nor accept an unknown channel', () => {
    const webhookShaped = { ...email, email: undefined, url: 'https://example.com' };
    expect(decodeDelivery(bytes(webhookShaped)).ok).toBe(false);
    expect(decodeDelivery(bytes({ ...email, channel: 'sms' }))).toEqual({
      ok: false,
      error: 'unsupported delivery channel "sms"',
    });
    expect(decodeDelivery(bytes({ ...email, channel: 'webhook', url: 'https://example.com' })).ok).toBe(true);
  });
});
