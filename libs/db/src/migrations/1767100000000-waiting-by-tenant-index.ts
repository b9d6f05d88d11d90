import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `deliveries_tenant_waiting` (tenant_id, over the deliveries that wait: retrying, held, sending)
 * serves the insights' count of a tenant's waiting deliveries. Its predicate was also implied by
 * every lane lookup (claiming a lane's next deliveries, whether a lane is held), so PostgreSQL
 * could read a lane's deliveries by scanning it whole: it did, whenever the statistics said few
 * deliveries wait (the usual state, until a receiver fails), and with 39,000 parked behind a
 * failing receiver each lane lookup took 50–90 ms and PostgreSQL a whole core (issue 13's (b),
 * docs/BENCHMARKS.md). `tenant_id IS NOT NULL` in the predicate is implied by the insights' query
 * (`tenant_id = ...`) and by no lane lookup, so only `deliveries_lane_queued` can serve those.
 *
 * Built CONCURRENTLY, outside a transaction, as `1766600000200` is; the old index goes after.
 * See decision 0037.
 */
export class WaitingByTenantIndex1767100000000 implements MigrationInterface {
  name = 'WaitingByTenantIndex1767100000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX CONCURRENTLY IF EXISTS deliveries_waiting_by_tenant');
    await queryRunner.query(
      `CREATE INDEX CONCURRENTLY deliveries_waiting_by_tenant ON deliveries (tenant_id)
        WHERE status IN ('retrying', 'held', 'sending') AND tenant_id IS NOT NULL`,
    );
    await queryRunner.query('DROP INDEX CONCURRENTLY IF EXISTS deliveries_tenant_waiting');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX CONCURRENTLY IF EXISTS deliveries_tenant_waiting');
    await queryRunner.query(
      `CREATE INDEX CONCURRENTLY deliveries_tenant_waiting ON deliveries (tenant_id)
        WHERE status IN ('retrying', 'held', 'sending')`,
    );
    await queryRunner.query('DROP INDEX CONCURRENTLY IF EXISTS deliveries_waiting_by_tenant');
  }
}
