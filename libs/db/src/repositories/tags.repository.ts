import type { DataSource } from 'typeorm';
import { TagAssignmentEntity, TagEntity } from '../entities';

/** A tag's application to one value of one object. */
export interface TagAssignment {
  object: string;
  value: string;
}

/** The tenants' tags (CONTRACT §4) and their assignments to object values. */
export class TagsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The tenant's tags, by name. */
  list(tenant: string): Promise<TagEntity[]> {
    return this.dataSource.getRepository(TagEntity).find({ where: { tenantId: tenant }, order: { name: 'ASC' } });
  }

  async find(tenant: string, name: string): Promise<TagEntity | undefined> {
    return (await this.dataSource.getRepository(TagEntity).findOneBy({ tenantId: tenant, name })) ?? undefined;
  }

  exists(tenant: string, name: string): Promise<boolean> {
    return this.dataSource.getRepository(TagEntity).existsBy({ tenantId: tenant, name });
  }

  /** The names of the tenant's tags. */
  async names(tenant: string): Promise<string[]> {
    return (await this.dataSource.getRepository(TagEntity).findBy({ tenantId: tenant })).map((tag) => tag.name);
  }

  /**
   * Inserts a new tag. An INSERT, not `save` (which would update a tag a concurrent request
   * created meanwhile): the loser of a race meets the primary key's unique violation.
   */
  async insert(tenant: string, tag: { name: string; label: string; objects: string[] }): Promise<TagEntity> {
    const repository = this.dataSource.getRepository(TagEntity);
    const row = repository.create({ tenantId: tenant, name: tag.name, label: tag.label, objects: tag.objects });
    await repository.insert(row);
    return row;
  }

  /** Removes the tag; its assignments go with it (the foreign key cascades). */
  async remove(tag: TagEntity): Promise<void> {
    await this.dataSource.getRepository(TagEntity).remove(tag);
  }

  /** The tenant's assignments: of one tag if named, else of every tag. */
  assignments(tenant: string, tagName?: string): Promise<TagAssignmentEntity[]> {
    return this.dataSource
      .getRepository(TagAssignmentEntity)
      .findBy({ tenantId: tenant, ...(tagName !== undefined ? { tagName } : {}) });
  }

  /** The tenant's assignments to values of one object kind (`question`, `registration_status`...). */
  assignmentsOfObject(tenant: string, object: string): Promise<TagAssignmentEntity[]> {
    return this.dataSource.getRepository(TagAssignmentEntity).findBy({ tenantId: tenant, object });
  }

  /** Replaces the tag's assignments in one transaction; a value given twice is kept once. */
  async replaceAssignments(tenant: string, tagName: string, assignments: readonly TagAssignment[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(TagAssignmentEntity, { tenantId: tenant, tagName });
      if (assignments.length > 0) {
        await manager
          .createQueryBuilder()
          .insert()
          .into(TagAssignmentEntity)
          .values(assignments.map((assignment) => ({ tenantId: tenant, tagName, ...assignment })))
          .orIgnore()
          .execute();
      }
    });
  }
}
