import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ConnectionsRepository, FlowEntity, FlowsRepository, MappingsRepository, TagsRepository } from '@flowline/db';
import { flowCompleteness, parseFlow } from '@flowline/matching';
import { isUuid } from '../common/validators';
import { FlowDto } from './flow.dto';

export interface FlowResponse {
  id: string;
  name: string;
  live: boolean;
  active: boolean;
  source: unknown;
  activate_for: unknown;
  filters: unknown;
  destination: { connection_id: string; payload_mapping_id: string; header_mapping_id?: string } | null;
  /** Only active, complete flows run (docs/CONTRACT.md §6); `missing` says what a flow still needs. */
  complete: boolean;
  missing: string[];
  created_at: string;
  updated_at: string;
}

/** Flows of one tenant. References are checked: a flow never points at another tenant's objects. */
@Injectable()
export class FlowsService {
  constructor(
    @Inject(FlowsRepository) private readonly flows: FlowsRepository,
    @Inject(ConnectionsRepository) private readonly connections: ConnectionsRepository,
    @Inject(MappingsRepository) private readonly mappings: MappingsRepository,
    @Inject(TagsRepository) private readonly tags: TagsRepository,
  ) {}

  async list(tenant: string): Promise<FlowResponse[]> {
    return (await this.flows.list(tenant)).map(toResponse);
  }

  async get(tenant: string, id: string): Promise<FlowResponse> {
    return toResponse(await this.find(tenant, id));
  }

  async create(tenant: string, body: FlowDto): Promise<FlowResponse> {
    await this.checkReferences(tenant, body);
    return toResponse(await this.flows.create(tenant, columns(body)));
  }

  async replace(tenant: string, id: string, body: FlowDto): Promise<FlowResponse> {
    const existing = await this.find(tenant, id);
    await this.checkReferences(tenant, body);
    Object.assign(existing, columns(body));
    return toResponse(await this.flows.save(existing));
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.flows.remove(await this.find(tenant, id));
  }

  async find(tenant: string, id: string): Promise<FlowEntity> {
    const row = isUuid(id) ? await this.flows.find(tenant, id) : undefined;
    if (!row) throw new NotFoundException(`flow ${id} not found`);
    return row;
  }

  /** Destination objects and activation tags must be this tenant's; every problem is listed. */
  private async checkReferences(tenant: string, body: FlowDto): Promise<void> {
    const problems: string[] = [];
    const destination = body.destination;
    if (destination) {
      const owned = async (
        rows: ConnectionsRepository | MappingsRepository,
        id: string | null | undefined,
        path: string,
      ) => {
        // null, which the validation pipe lets through an optional field, means none.
        if (id != null && !(await rows.exists(tenant, id))) {
          problems.push(`${path}: ${id} not found`);
        }
      };
      await owned(this.connections, destination.connection_id, 'destination.connection_id');
      await owned(this.mappings, destination.payload_mapping_id, 'destination.payload_mapping_id');
      await owned(this.mappings, destination.header_mapping_id, 'destination.header_mapping_id');
    }
    const tags = new Set(await this.tags.names(tenant));
    for (const [object, names] of Object.entries(body.activate_for ?? {})) {
      for (const name of (names as string[] | undefined) ?? []) {
        if (!tags.has(name)) problems.push(`activate_for.${object}: tag ${name} not found`);
      }
    }
    if (body.source?.types !== undefined && body.source.preset !== undefined) {
      problems.push('source: give either types or preset, not both');
    }
    if (problems.length > 0) throw new BadRequestException(problems);
  }
}

function columns(body: FlowDto): Partial<FlowEntity> {
  return {
    name: body.name,
    live: body.live ?? true,
    active: body.active ?? true,
    source: body.source ? { ...body.source } : {},
    activateFor: { ...(body.activate_for ?? {}) },
    filters: (body.filters ?? []).map((filter) => ({ ...filter })),
    connectionId: body.destination?.connection_id ?? null,
    payloadMappingId: body.destination?.payload_mapping_id ?? null,
    headerMappingId: body.destination?.header_mapping_id ?? null,
  };
}

function toResponse(row: FlowEntity): FlowResponse {
  const { complete, missing } = flowCompleteness(parseFlow(row));
  return {
    id: row.id,
    name: row.name,
    live: row.live,
    active: row.active,
    source: row.source,
    activate_for: row.activateFor,
    filters: row.filters,
    destination:
      row.connectionId && row.payloadMappingId
        ? {
            connection_id: row.connectionId,
            payload_mapping_id: row.payloadMappingId,
            ...(row.headerMappingId ? { header_mapping_id: row.headerMappingId } : {}),
          }
        : null,
    complete,
    missing,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
