import { randomBytes, createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ConnectionEntity, FlowEntity, MappingEntity, TenantEntity } from '@flowline/db';
import { SecretBox } from '@flowline/secrets';

export interface SeededIntegration {
  tenantId: string;
  connectionId: string;
  mappingId: string;
  flowId: string;
}

/**
 * Test receivers are local and fast: a seeded connection lets them take the pipeline's full
 * throughput, unless the spec's policy sets its own limits (docs/CONTRACT.md §4's defaults are 50/s, 10).
 */
const UNTHROTTLED = { rate_limit_per_s: 10_000, max_in_flight: 64 };

export interface IntegrationSpec {
  tenantId: string;
  receiverUrl: string;
  eventTypes: string[];
  fields: unknown[];
  headers?: Record<string, string>;
  live?: boolean;
  policy?: Record<string, unknown>;
  /** A Standard Webhooks secret (`whsec_...`), sealed with `secretKey` (the env's FLOWLINE_SECRET_KEY). */
  signingSecret?: { secret: string; secretKey: string };
  /**
   * The connection's auth (docs/CONTRACT.md §4, e.g. `{ type: 'basic', username, password }`; `none` when
   * unset); its secret fields are sealed with `secretKey` (the env's FLOWLINE_SECRET_KEY) as the api does.
   */
  auth?: { config: { type: string } & Record<string, unknown>; secretKey: string };
}

/** The secret fields of each auth type, sealed at rest (as the api's SECRET_FIELDS). */
const AUTH_SECRET_FIELDS: Record<string, readonly string[]> = {
  basic: ['password'],
  api_key: ['key'],
  bearer: ['token'],
  oauth2: ['client_secret', 'refresh_token'],
};

function sealedAuth(auth: IntegrationSpec['auth']): Record<string, unknown> {
  if (!auth) return { type: 'none' };
  const box = new SecretBox(auth.secretKey);
  const sealed: Record<string, unknown> = { ...auth.config };
  for (const field of AUTH_SECRET_FIELDS[auth.config.type] ?? []) {
    const value = sealed[field];
    if (typeof value === 'string') sealed[field] = box.seal(value);
  }
  return sealed;
}

/**
 * Creates a tenant with one connection, one payload mapping and one flow straight in
 * PostgreSQL, for tests and the demo. (Tenants configure Flowline through the REST API.)
 */
export async function seedIntegration(dataSource: DataSource, spec: IntegrationSpec): Promise<SeededIntegration> {
  return dataSource.transaction(async (manager) => {
    await manager.upsert(
      TenantEntity,
      {
        id: spec.tenantId,
        name: spec.tenantId,
        apiKeyHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
      },
      ['id'],
    );
    const connection = await manager.save(
      manager.create(ConnectionEntity, {
        tenantId: spec.tenantId,
        name: 'receiver',
        url: spec.receiverUrl,
        method: 'POST',
        contentType: 'application/json',
        headers: spec.headers ?? {},
        auth: sealedAuth(spec.auth),
        policy: { ...UNTHROTTLED, ...spec.policy },
        signingSecret: spec.signingSecret
          ? new SecretBox(spec.signingSecret.secretKey).seal(spec.signingSecret.secret)
          : null,
      }),
    );
    const mapping = await manager.save(
      manager.create(MappingEntity, { tenantId: spec.tenantId, name: 'payload', fields: spec.fields }),
    );
    const flow = await manager.save(
      manager.create(FlowEntity, {
        tenantId: spec.tenantId,
        name: 'flow',
        live: spec.live ?? true,
        active: true,
        source: { types: spec.eventTypes },
        activateFor: {},
        filters: [],
        connectionId: connection.id,
        payloadMappingId: mapping.id,
        headerMappingId: null,
      }),
    );
    return { tenantId: spec.tenantId, connectionId: connection.id, mappingId: mapping.id, flowId: flow.id };
  });
}
