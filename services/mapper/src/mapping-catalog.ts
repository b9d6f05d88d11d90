import { Inject, Injectable } from '@nestjs/common';
import { MappingDefinition, MappingField } from '@flowline/mapping';
import { ConfigCatalog, Infrastructure } from '@flowline/runtime';

/** The mappings in force, by id. */
@Injectable()
export class MappingCatalog extends ConfigCatalog<Map<string, MappingDefinition>> {
  constructor(@Inject(Infrastructure) infrastructure: Infrastructure) {
    super(
      infrastructure,
      'mapping-catalog',
      new Map(),
      (rows) =>
        new Map(
          rows.mappings.map((row) => [
            row.id,
            { id: row.id, tenant: row.tenantId, name: row.name, fields: row.fields as MappingField[] },
          ]),
        ),
    );
  }

  /** A mapping of this tenant, or undefined (deleted, or another tenant's id). */
  find(tenant: string, id: string): MappingDefinition | undefined {
    const mapping = this.current().get(id);
    return mapping?.tenant === tenant ? mapping : undefined;
  }
}
