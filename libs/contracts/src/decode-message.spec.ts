import { decodeAction, decodeDelivery, decodeEvent } from './decode-message';

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
