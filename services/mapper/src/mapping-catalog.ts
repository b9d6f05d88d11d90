import { Inject, Injectable } from '@nestjs/common';
import { MappingDefinition } from '@flowline/mapping';
import { ConfigCatalog, Infrastructure } from '@flowline/runtime';
import { buildMappingSnapshot, MappingSnapshot, QuestionTags } from './mapping-snapshot';

const NO_QUESTION_TAGS: QuestionTags = Object.freeze({});

/** The mappings in force, by id, and each tenant's question tag assignments. */
@Injectable()
export class MappingCatalog extends ConfigCatalog<MappingSnapshot> {
  constructor(@Inject(Infrastructure) infrastructure: Infrastructure) {
    super(infrastructure, 'mapping-catalog', { mappings: new Map(), questionTags: new Map() }, buildMappingSnapshot);
  }

  /** A mapping of this tenant, or undefined (deleted, or another tenant's id). */
  find(tenant: string, id: string): MappingDefinition | undefined {
    const mapping = this.current().mappings.get(id);
    return mapping?.tenant === tenant ? mapping : undefined;
  }

  /** The tenant's question tags: tag name → the question texts it is applied to. */
  questionTags(tenant: string): QuestionTags {
    return this.current().questionTags.get(tenant) ?? NO_QUESTION_TAGS;
  }
}
