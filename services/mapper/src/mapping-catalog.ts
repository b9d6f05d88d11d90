import { Inject, Injectable } from '@nestjs/common';
import { MappingDefinition } from '@flowline/mapping';
import { ConfigCatalog, ConfigSnapshot, Infrastructure } from '@flowline/runtime';
import { buildMappingSnapshot, MappingSnapshot, QuestionTags } from './mapping-snapshot';

const NO_QUESTION_TAGS: QuestionTags = Object.freeze({});

/** The mappings in force and the question tag assignments, per tenant. */
@Injectable()
export class MappingCatalog extends ConfigCatalog<MappingSnapshot> {
  constructor(
    @Inject(ConfigSnapshot) snapshot: ConfigSnapshot,
    @Inject(Infrastructure) infrastructure: Infrastructure,
  ) {
    super(snapshot, infrastructure.logger.child({ component: 'mapping-catalog' }), buildMappingSnapshot);
  }

  /** A mapping of this tenant, or undefined (deleted, or another tenant's id). */
  find(tenant: string, id: string): MappingDefinition | undefined {
    const mapping = this.view(tenant)?.mappings.get(id);
    return mapping?.tenant === tenant ? mapping : undefined;
  }

  /** The tenant's question tags: tag name → the question texts it is applied to. */
  questionTags(tenant: string): QuestionTags {
    return this.view(tenant)?.questionTags.get(tenant) ?? NO_QUESTION_TAGS;
  }
}
