import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import { ConnectionEntity, ConnectionsRepository } from '@flowline/db';
import {
  authSecretOpener,
  AuthenticatedSender,
  classifyOutcome,
  connectionFromRow,
  signingSecretOpener,
} from '@flowline/delivery';
import { Notifier } from '@flowline/runtime';
import { Secrets } from '../common/secret-box.provider';
import { isUuid } from '../common/validators';
import { ConnectionDto, POLICY_FIELDS, SECRET_FIELDS } from './connection.dto';

/** What answers show in place of a secret. */
export const MASK = '********';

/** Why a connection an operator paused by hand is paused. */
export const OPERATOR_PAUSE_REASON = 'paused by operator';

export interface ConnectionResponse {
  id: string;
  name: string;
  url: string;
  method: string;
  content_type: string;
  auth: Record<string, unknown>;
  headers: Record<string, string>;
  signing_secret: string | null;
  /** Set while deliveries to it are held: after a 410 Gone, or by an operator; null when running. */
  paused: { at: string; reason: string | null } | null;
  /** Since when every delivery to it has failed with a retryable failure (decision 0020); null when not. */
  failing_since: string | null;
  created_at: string;
  updated_at: string;
  [policy: string]: unknown;
}

/** Connections of one tenant: secrets sealed on the way in, masked on the way out. */
@Injectable()
export class ConnectionsService {
  constructor(
    @Inject(ConnectionsRepository) private readonly connections: ConnectionsRepository,
    @Inject(Secrets) private readonly secrets: Secrets,
    @Inject(AuthenticatedSender) private readonly sender: AuthenticatedSender,
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(Notifier) private readonly notifier: Notifier,
  ) {}

  /**
   * "Save & Test": one request to the connection as the dispatcher would send it (auth,
   * signature, SSRF guard, timeout), with a `flowline.test` body; nothing is retried or logged
   * as a delivery.
   */
  async test(
    tenant: string,
    id: string,
  ): Promise<{ ok: boolean; status: number | null; latency_ms: number; error: string | null }> {
    const { FLOWLINE_SECRET_KEY: key, FLOWLINE_SECRET_KEY_PREVIOUS: previous } = this.config;
    const connection = connectionFromRow(
      await this.find(tenant, id),
      signingSecretOpener(key, previous),
      authSecretOpener(key, previous),
    );
    if (connection.unusable) return { ok: false, status: null, latency_ms: 0, error: connection.unusable };
    const now = new Date().toISOString();
    const { sent } = await this.sender.send(connection, {
      v: 1,
      id: `msg_test_${Date.now().toString(36)}`,
      tenant,
      subject: 'flowline-test',
      connectionId: connection.id,
      eventId: 'flowline-test',
      eventType: 'flowline.test',
      body: { type: 'flowline.test', message: 'Test request from Flowline', sent_at: now },
      headers: {},
      ingestedAt: Date.now(),
    });
    const outcome = classifyOutcome(sent.result, Date.now());
    return {
      ok: outcome.kind === 'success',
      status: sent.result.kind === 'response' ? sent.result.status : null,
      latency_ms: Math.round(sent.latencyMs),
      error: outcome.kind === 'success' ? null : outcome.reason,
    };
  }

  async list(tenant: string): Promise<ConnectionResponse[]> {
    const rows = await this.connections.list(tenant);
    const failing = await this.connections.failingSince(tenant);
    return rows.map((row) => toResponse(row, failing.get(row.id)));
  }

  async get(tenant: string, id: string): Promise<ConnectionResponse> {
    const row = await this.find(tenant, id);
    return toResponse(row, (await this.connections.failingSince(tenant)).get(row.id));
  }

  async create(tenant: string, body: ConnectionDto): Promise<ConnectionResponse> {
    return toResponse(await this.connections.create(tenant, this.columns(body, undefined)), undefined);
  }

  /** Replaces the connection; a secret left out keeps its stored value (secrets are write-only). */
  async replace(tenant: string, id: string, body: ConnectionDto): Promise<ConnectionResponse> {
    const existing = await this.find(tenant, id);
    Object.assign(existing, this.columns(body, existing));
    await this.connections.save(existing);
    return this.get(tenant, id);
  }

  /**
   * Holds the connection's deliveries until it is resumed (as a 410 Gone does). An operator's write:
   * it moves updated_at (TypeORM does), so it bumps the tenant's configuration version, which tells
   * the running services (decision 0011; a pause leaving updated_at alone is the dispatcher's own).
   * 409 if it is paused already.
   */
  async pause(tenant: string, id: string): Promise<ConnectionResponse> {
    await this.find(tenant, id);
    if (!(await this.connections.pause(tenant, id, OPERATOR_PAUSE_REASON)))
      throw new ConflictException(`connection ${id} is paused already`);
    const paused = await this.get(tenant, id);
    await this.notify(tenant, 'connection.paused', paused, { reason: OPERATOR_PAUSE_REASON, rule: 'operator' });
    return paused;
  }

  /**
   * Lets the connection's deliveries go again: the dispatcher releases the held ones in order once
   * the tenant's configuration version moves and tells it. 409 if it is not paused.
   */
  async resume(tenant: string, id: string): Promise<ConnectionResponse> {
    const before = await this.find(tenant, id);
    if (!(await this.connections.resume(tenant, id))) throw new ConflictException(`connection ${id} is not paused`);
    const resumed = await this.get(tenant, id);
    await this.notify(tenant, 'connection.resumed', resumed, { paused_reason: before.pausedReason });
    return resumed;
  }

  /** Tells the tenant's notification endpoints (decision 0026); never fails the request. */
  private notify(
    tenant: string,
    type: 'connection.paused' | 'connection.resumed',
    connection: ConnectionResponse,
    data: Record<string, unknown>,
  ): Promise<void> {
    return this.notifier.notify({
      type,
      tenant,
      at: Date.now(),
      data: { connection_id: connection.id, connection_name: connection.name, ...data },
    });
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.connections.remove(await this.find(tenant, id));
  }

  /** Another tenant's connection is as absent as one that never existed. */
  async find(tenant: string, id: string): Promise<ConnectionEntity> {
    const row = isUuid(id) ? await this.connections.find(tenant, id) : undefined;
    if (!row) throw new NotFoundException(`connection ${id} not found`);
    return row;
  }

  private columns(body: ConnectionDto, existing: ConnectionEntity | undefined): Partial<ConnectionEntity> {
    // The validation pipe lets null through an optional field: here, as in answers, null is absent.
    const auth: Record<string, unknown> = withoutNulls({ ...(body.auth ?? { type: 'none' }) });
    const previous: Record<string, unknown> = existing && existing.auth.type === auth.type ? existing.auth : {};
    for (const field of SECRET_FIELDS[String(auth.type)] ?? []) {
      const given = auth[field];
      if (typeof given === 'string' && given !== MASK) auth[field] = this.secrets.seal(given);
      else if (previous[field] !== undefined) auth[field] = previous[field];
      else delete auth[field];
    }
    const policy: Record<string, unknown> = {};
    for (const field of POLICY_FIELDS) if (body[field] != null) policy[field] = body[field];
    const signing =
      body.signing_secret != null && body.signing_secret !== MASK
        ? this.secrets.seal(body.signing_secret)
        : (existing?.signingSecret ?? null);
    return {
      name: body.name,
      url: body.url,
      method: body.method ?? 'POST',
      contentType: body.content_type ?? 'application/json',
      headers: body.headers ?? {},
      auth,
      signingSecret: signing,
      policy,
    };
  }
}

function withoutNulls(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null));
}

function toResponse(row: ConnectionEntity, failingSince: Date | undefined): ConnectionResponse {
  const auth: Record<string, unknown> = { ...row.auth };
  for (const field of SECRET_FIELDS[String(auth.type)] ?? []) if (auth[field] !== undefined) auth[field] = MASK;
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    method: row.method,
    content_type: row.contentType,
    auth,
    headers: row.headers,
    signing_secret: row.signingSecret ? MASK : null,
    ...row.policy,
    paused: row.pausedAt ? { at: row.pausedAt.toISOString(), reason: row.pausedReason } : null,
    failing_since: failingSince?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
