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
    return (await this.connections.list(tenant)).map(toResponse);
  }

  async get(tenant: string, id: string): Promise<ConnectionResponse> {
    return toResponse(await this.find(tenant, id));
  }

  async create(tenant: string, body: ConnectionDto): Promise<ConnectionResponse> {
    return toResponse(await this.connections.create(tenant, this.columns(body, undefined)));
  }

  /** Replaces the connection; a secret left out keeps its stored value (secrets are write-only). */
  async replace(tenant: string, id: string, body: ConnectionDto): Promise<ConnectionResponse> {
    const existing = await this.find(tenant, id);
    Object.assign(existing, this.columns(body, existing));
    return toResponse(await this.connections.save(existing));
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
    return this.get(tenant, id);
  }

  /**
   * Lets the connection's deliveries go again: the dispatcher releases the held ones in order once
   * the tenant's configuration version moves and tells it. 409 if it is not paused.
   */
  async resume(tenant: string, id: string): Promise<ConnectionResponse> {
    await this.find(tenant, id);
    if (!(await this.connections.resume(tenant, id))) throw new ConflictException(`connection ${id} is not paused`);
    return this.get(tenant, id);
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

function toResponse(row: ConnectionEntity): ConnectionResponse {
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
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
