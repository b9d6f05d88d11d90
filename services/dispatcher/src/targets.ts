import type { DeliveryV1 } from '@flowline/contracts';
import { ConnectionSettings, DEFAULT_MAX_RETRIES, urlConnection } from '@flowline/delivery';
import type { EmailChannel } from './attempt-email';
import type { ConnectionCatalog } from './connection-catalog';
import type { Target } from './job';
import type { NotificationEndpointLookup } from './notification-endpoints';

/** The connections in force: `ConnectionCatalog` is one. */
export type ConnectionLookup = Pick<ConnectionCatalog, 'find' | 'refreshForUnknown' | 'all'>;

/** Where each delivery goes: its connection, a sequence's `webhook_url`, or email; with its policy and lane. */
export class TargetResolver {
  constructor(
    private readonly connections: ConnectionLookup,
    private readonly notificationEndpoints: NotificationEndpointLookup,
    private readonly emails: Pick<EmailChannel, 'configured'>,
    /** The operator's FLOWLINE_RETRY_SCHEDULE_S: for emails, and connections without their own. */
    private readonly retryScheduleS: readonly number[],
  ) {}

  async resolve(delivery: DeliveryV1): Promise<Target> {
    const schedule = this.retryScheduleS;
    const lane = (destination: string, ordering: 'per_subject' | 'none'): string | null =>
      ordering === 'none' ? null : JSON.stringify([delivery.tenant, destination, delivery.subject]);
    if (delivery.channel === 'email') {
      if (!this.emails.configured)
        return { kind: 'unusable', reason: 'SMTP_URL is not configured: the email of this delivery cannot be sent' };
      return {
        kind: 'email',
        email: delivery.email,
        policy: { maxRetries: DEFAULT_MAX_RETRIES, retryScheduleS: schedule },
        lane: lane('email', 'per_subject'),
      };
    }
    if (delivery.notificationEndpointId !== undefined) {
      // A notification (decision 0026): to the endpoint's URL, signed with its secret, in order per endpoint.
      const endpoint = await this.notificationEndpoints.find(delivery.tenant, delivery.notificationEndpointId);
      if (!endpoint)
        return { kind: 'unusable', reason: `notification endpoint ${delivery.notificationEndpointId} not found` };
      if (endpoint.unusable) return { kind: 'unusable', reason: endpoint.unusable };
      return {
        kind: 'webhook',
        connection: endpoint,
        policy: { maxRetries: DEFAULT_MAX_RETRIES, retryScheduleS: schedule },
        lane: lane(endpoint.id, 'per_subject'),
        limiterKey: endpoint.id,
      };
    }
    let connection: ConnectionSettings | undefined;
    if (delivery.connectionId === undefined) {
      connection = delivery.url === undefined ? undefined : urlConnection(delivery.tenant, delivery.url);
    } else {
      connection = this.connections.find(delivery.tenant, delivery.connectionId);
      if (!connection) {
        // The connection may be newer than this catalog: look again before giving the delivery up.
        await this.connections.refreshForUnknown();
        connection = this.connections.find(delivery.tenant, delivery.connectionId);
      }
    }
    if (!connection) return { kind: 'unusable', reason: `connection ${delivery.connectionId} not found` };
    if (connection.unusable) return { kind: 'unusable', reason: connection.unusable };
    const destination = delivery.connectionId ?? `url:${delivery.tenant}:${connection.url}`;
    const policy = {
      maxRetries: connection.maxRetries,
      retryScheduleS: connection.retryScheduleS.length > 0 ? connection.retryScheduleS : schedule,
    };
    return {
      kind: 'webhook',
      connection,
      policy,
      lane: lane(destination, connection.ordering),
      limiterKey: destination,
    };
  }
}
