import type { DataSource, DeepPartial, EntityTarget, FindOptionsOrder, FindOptionsWhere, Repository } from 'typeorm';

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

  /** Inserts a new row of the tenant; answers it as stored (id and times filled in). */
  create(tenant: string, columns: DeepPartial<Row>): Promise<Row> {
    return this.rows.save(this.rows.create({ ...columns, tenantId: tenant } as DeepPartial<Row>));
  }

  /** Writes a row read from here and changed; answers it as stored. */
  save(row: Row): Promise<Row> {
    return this.rows.save(row);
  }

  async remove(row: Row): Promise<void> {
    await this.rows.remove(row);
  }
}
