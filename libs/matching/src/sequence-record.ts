import type { SequenceDefinition } from './sequence';

/** The columns of a stored sequence trigger the matcher needs (`SequenceEntity` fits it). */
export interface SequenceRecord {
  id: string;
  tenantId: string;
  name: string;
  eventTypes: string[];
  windowSeconds: number;
  ordered: boolean;
  active: boolean;
}

export function sequenceFromRow(row: SequenceRecord): SequenceDefinition {
  return {
    id: row.id,
    tenant: row.tenantId,
    name: row.name,
    eventTypes: row.eventTypes,
    windowSeconds: row.windowSeconds,
    ordered: row.ordered,
    active: row.active,
  };
}
