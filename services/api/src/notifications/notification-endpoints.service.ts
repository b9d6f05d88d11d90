import { randomBytes } from 'node:crypto';
import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { NotificationEvent } from '@flowline/contracts';
import { NotificationEndpointFields, NotificationEndpointRow, NotificationRepository } from '@flowline/db';
import { Secrets } from '../common/secret-box.provider';
import { isUuid } from '../common/validators';
import { MASK } from '../connections/connections.service';
import { NotificationEndpointDto } from './notification-endpoint.dto';

export interface NotificationEndpointResponse {
  id: string;
  name: string;
  url: string | null;
  signing_secret: string | null;
  emails: string[] | null;
  events: string[];
  created_at: string;
  updated_at: string;
}

function toResponse(row: NotificationEndpointRow, madeSecret?: string): NotificationEndpointResponse {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    signing_secret: madeSecret ?? (row.signing_secret ? MASK : null),
    emails: row.emails,
    events: row.events,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** A tenant's notification endpoints (decision 0026): secrets sealed on the way in, masked on the way out. */
@Injectable()
export class NotificationEndpointsService {
  constructor(
    @Inject(NotificationRepository) private readonly repository: NotificationRepository,
    @Inject(Secrets) private readonly secrets: Secrets,
  ) {}

  async list(tenant: string): Promise<{ notification_endpoints: NotificationEndpointResponse[] }> {
    return { notification_endpoints: (await this.repository.list(tenant)).map((row) => toResponse(row)) };
  }

  async get(tenant: string, id: string): Promise<NotificationEndpointResponse> {
    return toResponse(await this.find(tenant, id));
  }

  async create(tenant: string, body: NotificationEndpointDto): Promise<NotificationEndpointResponse> {
    const { fields, madeSecret } = this.fields(body, undefined);
    return toResponse(await this.repository.create(tenant, fields), madeSecret);
  }

  /** Replaces it; a secret left out keeps its stored value (one is made if it had none). */
  async replace(tenant: string, id: string, body: NotificationEndpointDto): Promise<NotificationEndpointResponse> {
    const existing = await this.find(tenant, id);
    const { fields, madeSecret } = this.fields(body, existing);
    const row = await this.repository.replace(tenant, id, fields);
    if (!row) throw new NotFoundException(`notification endpoint ${id} not found`);
    return toResponse(row, madeSecret);
  }

  async remove(tenant: string, id: string): Promise<void> {
    if (!(isUuid(id) && (await this.repository.remove(tenant, id))))
      throw new NotFoundException(`notification endpoint ${id} not found`);
  }

  private async find(tenant: string, id: string): Promise<NotificationEndpointRow> {
    const row = isUuid(id) ? await this.repository.find(tenant, id) : undefined;
    if (!row) throw new NotFoundException(`notification endpoint ${id} not found`);
    return row;
  }

  private fields(
    body: NotificationEndpointDto,
    existing: NotificationEndpointRow | undefined,
  ): { fields: NotificationEndpointFields; madeSecret?: string } {
    const url = body.url ?? null;
    const emails = body.emails ?? null;
    if ((url === null) === (emails === null)) throw new BadRequestException(['give either url or emails, not both']);
    if (emails !== null && body.signing_secret != null)
      throw new BadRequestException(['signing_secret signs notifications to url: leave it out with emails']);
    const events = [...new Set(body.events)] as NotificationEvent[];
    if (emails !== null) return { fields: { name: body.name, url: null, signingSecret: null, emails, events } };
    let madeSecret: string | undefined;
    let sealed: string;
    if (body.signing_secret != null && body.signing_secret !== MASK) sealed = this.secrets.seal(body.signing_secret);
    else if (existing?.signing_secret) sealed = existing.signing_secret;
    else {
      madeSecret = `whsec_${randomBytes(24).toString('base64')}`;
      sealed = this.secrets.seal(madeSecret);
    }
    return { fields: { name: body.name, url, signingSecret: sealed, emails: null, events }, madeSecret };
  }
}
