import type {
  DataSource,
  DeepPartial,
  EntityManager,
  EntityTarget,
  FindOptionsOrder,
  FindOptionsWhere,
  Repository,
} from 'typeorm';

/**
 * How much configuration of one kind (flows, mappings, sequences, connections) a tenant may keep:
 * a listing answers all of it at once, and every service holds it in memory, so without a bound
 * one tenant's few hundred objects of a couple of MiB each could exhaust a process every tenant
 * shares. The size is the rows' JSON text, as a listing would read it (decision 0044).
 */
export const MAX_CONFIG_ROWS_PER_KIND = 1_000;
export const MAX_CONFIG_BYTES_PER_KIND = 32 * 1024 * 1024;

/** A write that would take a tenant's configuration of one kind past its bound: nothing was written. */
export class TenantQuotaExceeded extends Error {
  constructor(readonly what: string) {
    super(what);
    this.name = 'TenantQuotaExceeded';
  }
}

/** A configuration row a tenant owns, named by a generated id. */
export interface TenantRow {
  id: string;
  tenantId: string;
  createdAt: Date;
}

/**
 * The rows of one configuration table (flows, mappings, sequences, connections) as the API
 * reads and writes them: always by tenant, so one tenant never reaches another's row. Each
 * write moves the tenant's configuration version (a trigger does), which tells the services.
 */
export abstract class TenantRowsRepository<Row extends TenantRow> {
  protected constructor(
    protected readonly dataSource: DataSource,
    private readonly entity: EntityTarget<Row>,
  ) {}

  /** TypeORM's repository of the entity, asked for when used: the data source may open after this is built. */
  protected get rows(): Repository<Row> {
    return this.dataSource.getRepository(this.entity);
  }

  /** The tenant's rows, oldest first. */
  list(tenant: string): Promise<Row[]> {
    return this.rows.find({
      where: { tenantId: tenant } as FindOptionsWhere<Row>,
      order: { createdAt: 'ASC' } as FindOptionsOrder<Row>,
    });
  }

  /** The tenant's row of this id; undefined for another tenant's, as for one that never existed. */
  async find(tenant: string, id: string): Promise<Row | undefined> {
    return (await this.rows.findOneBy({ id, tenantId: tenant } as FindOptionsWhere<Row>)) ?? undefined;
  }

  /** Whether the tenant has a row of this id. */
  exists(tenant: string, id: string): Promise<boolean> {
    return this.rows.existsBy({ id, tenantId: tenant } as FindOptionsWhere<Row>);
  }

  /**
   * Inserts a new row of the tenant; answers it as stored (id and times filled in). Throws
   * `TenantQuotaExceeded` when the tenant's rows of this kind would pass their bounds.
   */
  create(tenant: string, columns: DeepPartial<Row>): Promise<Row> {
    return this.withinQuota(tenant, (manager) => {
      const rows = manager.getRepository(this.entity);
      return rows.save(rows.create({ ...columns, tenantId: tenant } as DeepPartial<Row>));
    });
  }

  /** Writes a row read from here and changed; answers it as stored (bounded as `create` is). */
  save(row: Row): Promise<Row> {
    return this.withinQuota(row.tenantId, (manager) => manager.getRepository(this.entity).save(row));
  }

  /**
   * The write, with the tenant's rows of this kind counted and measured before and after it in
   * the same transaction: rolled back when it takes them past a bound. A write that leaves them no
   * larger always passes, so a tenant over a bound (lowered since) can still shrink. Writes of one
   * tenant and kind queue on an advisory lock, so two at once cannot each find room for one.
   */
  protected withinQuota(tenant: string, write: (manager: EntityManager) => Promise<Row>): Promise<Row> {
    const table = this.dataSource.getMetadata(this.entity).tableName;
    return this.dataSource.transaction(async (manager: EntityManager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`quota:${table}:${tenant}`]);
      const before = await usageOf(manager, table, tenant);
      const written = await write(manager);
      const after = await usageOf(manager, table, tenant);
      if (after.rows > MAX_CONFIG_ROWS_PER_KIND && after.rows > before.rows)
        throw new TenantQuotaExceeded(
          `a tenant may have at most ${MAX_CONFIG_ROWS_PER_KIND} ${table}; delete one first`,
        );
      if (after.bytes > MAX_CONFIG_BYTES_PER_KIND && after.bytes > before.bytes)
        throw new TenantQuotaExceeded(
          `a tenant's ${table} may take at most ${MAX_CONFIG_BYTES_PER_KIND / 1024 / 1024} MiB together; this would take ${Math.ceil(after.bytes / 1024 / 1024)} MiB`,
        );
      return written;
    });
  }

  async remove(row: Row): Promise<void> {
    await this.rows.remove(row);
  }
}

/** A tenant's rows of one configuration table: how many, and their JSON text's bytes. */
async function usageOf(
  manager: EntityManager,
  table: string,
  tenant: string,
): Promise<{ rows: number; bytes: number }> {
  const [usage] = await manager.query<Array<{ rows: number; bytes: string }>>(
    `SELECT count(*)::int AS rows, COALESCE(sum(octet_length(row_to_json(t)::text)), 0)::bigint AS bytes
       FROM ${table} t WHERE tenant_id = $1`,
    [tenant],
  );
  return { rows: usage!.rows, bytes: Number(usage!.bytes) };
}
