import { Inject, Injectable } from '@nestjs/common';
import { FlowEntity } from '@flowline/db';
import { FlowDefinition, FlowIndex } from '@flowline/matching';
import { ConfigCatalog, Infrastructure } from '@flowline/runtime';

/** Source presets (CONTRACT §6) and the event types each watches. */
const PRESET_TYPES: Record<string, string[]> = {
  registration_create_update: ['registration.created', 'registration.updated'],
  registration_status_change: ['registration.status_changed'],
  session_registration_status_change: ['session_registration.status_changed'],
  event_create_update: ['event.created', 'event.updated'],
};

export function flowFromRow(row: FlowEntity): FlowDefinition {
  const source = row.source as { types?: unknown; preset?: unknown };
  const types = Array.isArray(source.types)
    ? source.types.filter((type): type is string => typeof type === 'string')
    : typeof source.preset === 'string'
      ? (PRESET_TYPES[source.preset] ?? [source.preset])
      : [];
  return {
    id: row.id,
    tenant: row.tenantId,
    name: row.name,
    live: row.live,
    active: row.active,
    types,
    destination:
      row.connectionId && row.payloadMappingId
        ? {
            connectionId: row.connectionId,
            payloadMappingId: row.payloadMappingId,
            ...(row.headerMappingId ? { headerMappingId: row.headerMappingId } : {}),
          }
        : null,
  };
}

/** The flows in force, indexed by tenant and event type. */
@Injectable()
export class FlowCatalog extends ConfigCatalog<FlowIndex> {
  constructor(@Inject(Infrastructure) infrastructure: Infrastructure) {
    super(infrastructure, 'flow-catalog', new FlowIndex([]), (rows) => new FlowIndex(rows.flows.map(flowFromRow)));
  }

  index(): FlowIndex {
    return this.current();
  }
}
