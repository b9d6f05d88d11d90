import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { parseEventObject } from '@flowline/contracts';
import { MappingEntity, MappingsRepository, TagsRepository } from '@flowline/db';
import { MappingFields, renderHeaders, renderMapping, validateMapping } from '@flowline/mapping';
import { isUuid } from '../common/validators';
import { MappingDto } from './mapping.dto';

export interface MappingResponse {
  id: string;
  name: string;
  fields: unknown[];
  created_at: string;
  updated_at: string;
}

export interface PreviewResponse {
  payload: Record<string, unknown>;
  headers: Record<string, string>;
  errors: string[];
}

/** Mappings of one tenant, and previews that render without sending anything. */
@Injectable()
export class MappingsService {
  constructor(
    @Inject(MappingsRepository) private readonly mappings: MappingsRepository,
    @Inject(TagsRepository) private readonly tags: TagsRepository,
  ) {}

  async list(tenant: string): Promise<MappingResponse[]> {
    return (await this.mappings.list(tenant)).map(toResponse);
  }

  async get(tenant: string, id: string): Promise<MappingResponse> {
    return toResponse(await this.find(tenant, id));
  }

  async create(tenant: string, body: MappingDto): Promise<MappingResponse> {
    return toResponse(await this.mappings.create(tenant, { name: body.name, fields: body.fields }));
  }

  async replace(tenant: string, id: string, body: MappingDto): Promise<MappingResponse> {
    const existing = await this.find(tenant, id);
    Object.assign(existing, { name: body.name, fields: body.fields });
    return toResponse(await this.mappings.save(existing));
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.mappings.remove(await this.find(tenant, id));
  }

  async find(tenant: string, id: string): Promise<MappingEntity> {
    const row = isUuid(id) ? await this.mappings.find(tenant, id) : undefined;
    if (!row) throw new NotFoundException(`mapping ${id} not found`);
    return row;
  }

  /** Renders as the mapper would for this event; nothing is sent. */
  async preview(
    tenant: string,
    mapping: { fields: unknown[] },
    headerMapping: { fields: unknown[] } | undefined,
    rawEvent: Record<string, unknown>,
    flowName: string | undefined,
  ): Promise<PreviewResponse> {
    const problems = [
      ...validateMapping(mapping).map((problem) => `mapping: ${problem}`),
      ...(headerMapping
        ? validateMapping(headerMapping, { headers: true }).map((problem) => `header_mapping: ${problem}`)
        : []),
    ];
    const parsed = parseEventObject({ tenant, ...rawEvent }, Date.now());
    if (!parsed.ok) problems.push(`event: ${parsed.reason}`);
    if (problems.length > 0 || !parsed.ok) throw new BadRequestException(problems);
    const context = {
      accountCode: tenant,
      now: Date.now(),
      questionTags: await this.questionTags(tenant),
      ...(flowName ? { flowName } : {}),
    };
    // Validated above, so the fields have the engine's shape. Rendered within the limits the
    // mapper renders with (DEFAULT_RENDER_LIMITS): what the mapper would dead-letter for its size
    // is refused here, before the work (and the memory) it would take.
    const payload = renderMapping(mapping as MappingFields, parsed.event, context);
    if (payload.limitExceeded !== undefined) throw new BadRequestException([`mapping: ${payload.limitExceeded}`]);
    const headers = headerMapping
      ? renderHeaders(headerMapping as MappingFields, parsed.event, context)
      : { headers: {}, errors: [] };
    if (headers.limitExceeded !== undefined)
      throw new BadRequestException([`header_mapping: ${headers.limitExceeded}`]);
    return { payload: payload.payload, headers: headers.headers, errors: [...payload.errors, ...headers.errors] };
  }

  private async questionTags(tenant: string): Promise<Record<string, string[]>> {
    const rows = await this.tags.assignmentsOfObject(tenant, 'question');
    const byTag: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    for (const row of rows) (byTag[row.tagName] ??= []).push(row.value);
    return byTag;
  }
}

function toResponse(row: MappingEntity): MappingResponse {
  return {
    id: row.id,
    name: row.name,
    fields: row.fields,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
