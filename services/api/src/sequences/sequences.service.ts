import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { SequenceEntity, SequencesRepository } from '@flowline/db';
import { sequenceFromRow, simulateSequence } from '@flowline/matching';
import { isUuid } from '../common/validators';
import { SequenceDto, SequencePatchDto, SimulateDto } from './sequence.dto';

export interface SequenceResponse {
  id: string;
  name: string;
  event_types: string[];
  window_seconds: number;
  window_unit?: string;
  ordered: boolean;
  webhook_url?: string;
  emails: string[];
  email_subject?: string;
  email_preheader?: string;
  email_message?: string;
  active: boolean;
  created_at: string;
}

/** Sequence triggers of one tenant (docs/CONTRACT.md §7): the reference's API and answers. */
@Injectable()
export class SequencesService {
  constructor(@Inject(SequencesRepository) private readonly sequences: SequencesRepository) {}

  async list(tenant: string): Promise<SequenceResponse[]> {
    return (await this.sequences.list(tenant)).map(toResponse);
  }

  async get(tenant: string, id: string): Promise<SequenceResponse> {
    return toResponse(await this.find(tenant, id));
  }

  async create(tenant: string, body: SequenceDto): Promise<SequenceResponse> {
    return toResponse(await this.sequences.create(tenant, columns(body)));
  }

  async replace(tenant: string, id: string, body: SequenceDto): Promise<SequenceResponse> {
    return this.update(await this.find(tenant, id), columns(body));
  }

  async patch(tenant: string, id: string, body: SequencePatchDto): Promise<SequenceResponse> {
    const existing = await this.find(tenant, id);
    return this.update(existing, columns({ ...fromRow(existing), ...definedOnly(body) }));
  }

  /**
   * Saves new settings. When what a match is changes (types, order, window), the leads' partial
   * progress, kept for the old definition, is dropped with it (libs/matching/src/sequence/SEMANTICS.md); leads
   * that fired stay fired: "once per lead" holds across edits.
   */
  private async update(existing: SequenceEntity, changes: Partial<SequenceEntity>): Promise<SequenceResponse> {
    const before = definitionOf(existing);
    Object.assign(existing, changes);
    const changed = definitionOf(existing) !== before;
    return toResponse(await this.sequences.saveDefinition(existing, { dropPartialProgress: changed }));
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.sequences.remove(await this.find(tenant, id));
  }

  /** The service's own matcher, over the given events: would it fire, and with which events? */
  async simulate(tenant: string, id: string, body: SimulateDto) {
    const sequence = sequenceFromRow(await this.find(tenant, id));
    return simulateSequence({ ...sequence, active: true }, body.events);
  }

  async completed(tenant: string, sequenceId: string | undefined, leadId: string | undefined) {
    const rows = await this.sequences.completions(tenant, {
      // An id that is no uuid names no sequence: it matches nothing rather than failing the query.
      ...(sequenceId !== undefined
        ? { sequenceId: isUuid(sequenceId) ? sequenceId : '00000000-0000-0000-0000-000000000000' }
        : {}),
      ...(leadId !== undefined ? { lead: leadId } : {}),
      limit: 1000,
    });
    return rows.map((row) => ({
      id: row.id,
      sequence_id: row.sequenceId,
      lead_id: row.lead,
      events: row.events,
      completed_at: row.completedAt.toISOString(),
    }));
  }

  async find(tenant: string, id: string): Promise<SequenceEntity> {
    const row = isUuid(id) ? await this.sequences.find(tenant, id) : undefined;
    if (!row) throw new NotFoundException(`sequence ${id} not found`);
    return row;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  // A null in a PATCH means nothing to change (the fields it could clear are required).
  return Object.fromEntries(
    Object.entries(value).filter(([, item]) => item !== undefined && item !== null),
  ) as Partial<T>;
}

function fromRow(row: SequenceEntity): SequenceDto {
  return {
    name: row.name,
    event_types: row.eventTypes,
    window_seconds: row.windowSeconds,
    ordered: row.ordered,
    active: row.active,
    emails: row.emails,
    ...(row.windowUnit !== null ? { window_unit: row.windowUnit } : {}),
    ...(row.webhookUrl !== null ? { webhook_url: row.webhookUrl } : {}),
    ...(row.emailSubject !== null ? { email_subject: row.emailSubject } : {}),
    ...(row.emailPreheader !== null ? { email_preheader: row.emailPreheader } : {}),
    ...(row.emailMessage !== null ? { email_message: row.emailMessage } : {}),
  };
}

/** What decides a match: a change to any of these makes partial progress meaningless. */
function definitionOf(row: SequenceEntity): string {
  return JSON.stringify([row.eventTypes, row.ordered, row.windowSeconds, row.windowUnit]);
}

function columns(body: SequenceDto): Partial<SequenceEntity> {
  return {
    name: body.name,
    eventTypes: body.event_types,
    windowSeconds: body.window_seconds,
    windowUnit: body.window_unit ?? null,
    ordered: body.ordered ?? false,
    active: body.active ?? true,
    webhookUrl: body.webhook_url ?? null,
    emails: body.emails ?? [],
    emailSubject: body.email_subject ?? null,
    emailPreheader: body.email_preheader ?? null,
    emailMessage: body.email_message ?? null,
  };
}

function toResponse(row: SequenceEntity): SequenceResponse {
  return {
    id: row.id,
    name: row.name,
    event_types: row.eventTypes,
    window_seconds: row.windowSeconds,
    ...(row.windowUnit !== null ? { window_unit: row.windowUnit } : {}),
    ordered: row.ordered,
    ...(row.webhookUrl !== null ? { webhook_url: row.webhookUrl } : {}),
    emails: row.emails,
    ...(row.emailSubject !== null ? { email_subject: row.emailSubject } : {}),
    ...(row.emailPreheader !== null ? { email_preheader: row.emailPreheader } : {}),
    ...(row.emailMessage !== null ? { email_message: row.emailMessage } : {}),
    active: row.active,
    created_at: row.createdAt.toISOString(),
  };
}
