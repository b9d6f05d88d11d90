import type { MappingEntity, TagAssignmentEntity } from '@flowline/db';
import { MappingDefinition, MappingField } from '@flowline/mapping';

/** Tag name → the question texts it is applied to, for `question:<tag>` sources. */
export type QuestionTags = Record<string, string[]>;

/** The tag assignment object that names registration questions (docs/CONTRACT.md §3: question `Company Name`). */
export const QUESTION_OBJECT = 'question';

export interface MappingSnapshot {
  mappings: Map<string, MappingDefinition>;
  questionTags: Map<string, QuestionTags>;
}

/** The rows the snapshot is built from (a tenant's `ConfigTables` has them). */
export interface MappingRows {
  mappings: ReadonlyArray<Pick<MappingEntity, 'id' | 'tenantId' | 'name' | 'fields'>>;
  tagAssignments: ReadonlyArray<Pick<TagAssignmentEntity, 'tenantId' | 'tagName' | 'object' | 'value'>>;
}

/** Builds the snapshot from configuration rows; pure, so it is tested without a database. */
export function buildMappingSnapshot(rows: MappingRows): MappingSnapshot {
  const mappings = new Map(
    rows.mappings.map((row) => [
      row.id,
      { id: row.id, tenant: row.tenantId, name: row.name, fields: row.fields as MappingField[] },
    ]),
  );
  const questionTags = new Map<string, QuestionTags>();
  for (const assignment of rows.tagAssignments) {
    if (assignment.object !== QUESTION_OBJECT) continue;
    let tenantTags = questionTags.get(assignment.tenantId);
    if (!tenantTags) {
      // No prototype: a tag may be called `constructor`.
      tenantTags = Object.create(null) as QuestionTags;
      questionTags.set(assignment.tenantId, tenantTags);
    }
    (tenantTags[assignment.tagName] ??= []).push(assignment.value);
  }
  return { mappings, questionTags };
}
