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
  const headers: Record<string, string> = {
    ...lowerCaseKeys(connection.headers),
    ...lowerCaseKeys(delivery.headers),
    'user-agent': `Flowline/${FLOWLINE_VERSION}`,
    'webhook-id': delivery.id,
    'webhook-timestamp': String(Math.floor(attemptAt / 1000)),
  };
  if (connection.method === 'GET') {
    // GET carries the payload as a query string (CONTRACT §4), nested keys as `a[b]`.
    return { url: appendQuery(connection.url, delivery.body), method: 'GET', headers, timeoutMs: connection.timeoutMs };
  }
  headers['content-type'] = connection.contentType;
  return {
    url: connection.url,
    method: 'POST',
    headers,
    body: encodeBody(delivery.body, connection.contentType),
    timeoutMs: connection.timeoutMs,
  };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
