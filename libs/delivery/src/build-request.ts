import { DeliveryV1, FLOWLINE_VERSION } from '@flowline/contracts';
import { appendQuery, encodeBody } from '@flowline/mapping';
import { ConnectionSettings } from './connection-settings';
import { OutgoingRequest } from './webhook-sender';

/**
 * The HTTP request of one attempt. Header precedence, lowest first: the connection's static
 * headers, the header mapping's, then Flowline's own (which a tenant cannot override, since
 * receivers rely on them to recognise and de-duplicate deliveries).
 */
export function buildWebhookRequest(
  connection: ConnectionSettings,
  delivery: DeliveryV1,
  attemptAt: number,
): OutgoingRequest {
  const timestampS = Math.floor(attemptAt / 1000);
  const headers: Record<string, string> = {
    ...lowerCaseKeys(connection.headers),
    ...lowerCaseKeys(delivery.headers),
    'user-agent': `Flowline/${FLOWLINE_VERSION}`,
    'webhook-id': delivery.id,
    'webhook-timestamp': String(timestampS),
  };
  delete headers['webhook-signature'];
  if (connection.method === 'GET') {
    // GET carries the payload as a query string (CONTRACT §4), nested keys as `a[b]`; the
    // signature then covers an empty body, as Standard Webhooks signs the body sent.
    if (connection.signer) headers['webhook-signature'] = connection.signer.sign(delivery.id, timestampS, '');
    return { url: appendQuery(connection.url, delivery.body), method: 'GET', headers, timeoutMs: connection.timeoutMs };
  }
  headers['content-type'] = connection.contentType;
  const body = encodeBody(delivery.body, connection.contentType);
  if (connection.signer) headers['webhook-signature'] = connection.signer.sign(delivery.id, timestampS, body);
  return { url: connection.url, method: 'POST', headers, body, timeoutMs: connection.timeoutMs };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
