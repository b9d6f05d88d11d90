import { DataSource, In } from 'typeorm';
import {
  ConnectionEntity,
  FlowEntity,
  MappingEntity,
  SequenceEntity,
  TagAssignmentEntity,
  TagEntity,
} from '../entities';

/** The configuration rows the pipeline reads, of one tenant or of several. */
export interface ConfigTables {
  flows: FlowEntity[];
  mappings: MappingEntity[];
  connections: ConnectionEntity[];
  tags: TagEntity[];
  tagAssignments: TagAssignmentEntity[];
  sequences: SequenceEntity[];
}

/** Configuration rows with the version they were read at. */
export interface ConfigRows extends ConfigTables {
  version: string;
}

/** One tenant's configuration as read in one transaction, with its version. */
export interface TenantConfig {
  tenant: string;
  version: string;
  tables: ConfigTables;
}

/**
 * Where the configuration snapshot reads from: the tenants' versions, and the rows of the tenants
 * whose version moved. PostgreSQL here; tests of the snapshot use an in-memory one.
 */
export interface ConfigSource {
  /** Every tenant's configuration version (bumped by triggers on each configuration table). */
  versions(): Promise<Map<string, string>>;
  /** The named tenants' rows and versions, consistent; a tenant with no version is left out. */
  load(tenants: readonly string[]): Promise<Map<string, TenantConfig>>;
}

export const EMPTY_CONFIG_TABLES: Readonly<ConfigTables> = Object.freeze({
  flows: [],
  mappings: [],
  connections: [],
  tags: [],
  tagAssignments: [],
  sequences: [],
});

/** Splits rows of several tenants into one `ConfigTables` per tenant. */
export function tablesByTenant(tables: ConfigTables): Map<string, ConfigTables> {
  const byTenant = new Map<string, ConfigTables>();
  const of = (tenant: string): ConfigTables => {
    let own = byTenant.get(tenant);
    if (!own) {
      own = { flows: [], mappings: [], connections: [], tags: [], tagAssignments: [], sequences: [] };
      byTenant.set(tenant, own);
    }
    return own;
  };
  for (const row of tables.flows) of(row.tenantId).flows.push(row);
  for (const row of tables.mappings) of(row.tenantId).mappings.push(row);
  for (const row of tables.connections) of(row.tenantId).connections.push(row);
  for (const row of tables.tags) of(row.tenantId).tags.push(row);
  for (const row of tables.tagAssignments) of(row.tenantId).tagAssignments.push(row);
  for (const row of tables.sequences) of(row.tenantId).sequences.push(row);
  return byTenant;
}

export class ConfigRepository implements ConfigSource {
  constructor(private readonly dataSource: DataSource) {}

  /** Bumped per tenant by row triggers on every configuration table (migration 1764600000000). */
  async versions(): Promise<Map<string, string>> {
    const rows = await this.dataSource.query<Array<{ tenant_id: string; version: string }>>(
      'SELECT tenant_id, version FROM tenant_config_versions',
    );
    return new Map(rows.map((row) => [row.tenant_id, String(row.version)]));
  }

  async load(tenants: readonly string[]): Promise<Map<string, TenantConfig>> {
    if (tenants.length === 0) return new Map();
    const ids = [...tenants];
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const versions = await manager.query<Array<{ tenant_id: string; version: string }>>(
        'SELECT tenant_id, version FROM tenant_config_versions WHERE tenant_id = ANY($1)',
        [ids],
      );
      const where = { tenantId: In(ids) };
      const byTenant = tablesByTenant({
        flows: await manager.find(FlowEntity, { where }),
        mappings: await manager.find(MappingEntity, { where }),
        connections: await manager.find(ConnectionEntity, { where }),
        tags: await manager.find(TagEntity, { where }),
        tagAssignments: await manager.find(TagAssignmentEntity, { where }),
        sequences: await manager.find(SequenceEntity, { where }),
      });
      return new Map(
        versions.map(({ tenant_id: tenant, version }) => [
          tenant,
          { tenant, version: String(version), tables: byTenant.get(tenant) ?? { ...EMPTY_CONFIG_TABLES } },
        ]),
      );
    });
  }
}
