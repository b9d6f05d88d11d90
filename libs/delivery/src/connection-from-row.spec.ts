import { Webhook } from 'standardwebhooks';
import { ConnectionEntity } from '@flowline/db';
import { buildWebhookRequest } from './build-request';
import { SecretBox } from '@flowline/secrets';
import { authSecretOpener, connectionFromRow, signingSecretOpener } from './connection-from-row';

const KEY = 'catalog-test-key-'.repeat(3);
const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

function row(signingSecret: string | null): ConnectionEntity {
  return {
    id: 'conn-1',
    tenantId: 'acme',
    name: 'crm',
    url: 'https://crm.example.com/hook',
    method: 'POST',
    contentType: 'application/json',
    headers: {},
    auth: { type: 'none' },
    policy: {},
    signingSecret,
  } as unknown as ConnectionEntity;
}

describe('connectionFromRow and the signing secret', () => {
  const sealed = new SecretBox(KEY).seal(SECRET);

  it('opens the sealed secret (also with a previous key) and signs with it', () => {
    for (const open of [signingSecretOpener(KEY, []), signingSecretOpener('a-newer-key-'.repeat(3), [KEY])]) {
      const connection = connectionFromRow(row(sealed), open);
      expect(connection.unusable).toBeUndefined();
      const request = buildWebhookRequest(
        connection,
        {
          v: 1,
          id: 'msg_1',
          tenant: 'acme',
          subject: 's',
          eventId: 'e',
          eventType: 't',
          body: { a: 1 },
          headers: {},
          ingestedAt: 0,
        },
        Date.now(),
      );
      expect(new Webhook(SECRET).verify(request.body!, request.headers)).toEqual({ a: 1 });
    }
  });

  it('leaves a connection without a secret unsigned and usable', () => {
    const connection = connectionFromRow(row(null), signingSecretOpener(undefined, []));
    expect(connection.signer).toBeUndefined();
    expect(connection.unusable).toBeUndefined();
  });

  it.each([
    ['no FLOWLINE_SECRET_KEY', signingSecretOpener(undefined, []), /FLOWLINE_SECRET_KEY is not configured/],
    ['the wrong key', signingSecretOpener('another-key-'.repeat(3), []), /cannot be opened with FLOWLINE_SECRET_KEY/],
  ])('marks the connection unusable with %s, naming no secret', (_name, open, message) => {
    const connection = connectionFromRow(row(sealed), open);
    expect(connection.signer).toBeUndefined();
    expect(connection.unusable).toMatch(message);
    expect(connection.unusable).toMatch(/^connection conn-1: /);
    expect(connection.unusable).not.toContain(sealed);
    expect(connection.unusable).not.toContain(SECRET.slice(6));
  });

  it('marks a sealed value that is not a whsec_ secret unusable', () => {
    const connection = connectionFromRow(row(new SecretBox(KEY).seal('whsec_***')), signingSecretOpener(KEY, []));
    expect(connection.unusable).toBe('connection conn-1: the signing secret is not whsec_ followed by base64');
  });
});

describe('connectionFromRow and the auth secrets', () => {
  const box = new SecretBox(KEY);
  const withAuth = (auth: Record<string, unknown>) => ({ ...row(null), auth });

  it('opens the sealed auth secrets', () => {
    const connection = connectionFromRow(
      withAuth({ type: 'basic', username: 'ada', password: box.seal('pw') }),
      signingSecretOpener(KEY, []),
      authSecretOpener(KEY, []),
    );
    expect(connection.unusable).toBeUndefined();
    expect(connection.auth).toEqual({ type: 'basic', username: 'ada', password: 'pw' });
  });

  it('makes the connection unusable when an auth secret cannot be opened, naming no secret', () => {
    const sealed = new SecretBox('another-key-'.repeat(3)).seal('pw');
    for (const opener of [authSecretOpener(KEY, []), authSecretOpener(undefined, []), undefined]) {
      const connection = connectionFromRow(withAuth({ type: 'bearer', token: sealed }), undefined, opener);
      expect(connection.unusable).toMatch(/^connection conn-1: its auth token cannot be opened/);
      expect(connection.unusable).not.toContain(sealed);
    }
  });
});
