import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The activity feed filtered by status (`GET /deliveries?status=failed`) read a tenant's rows
 * through `(tenant_id, created_at)`, newest first, until it had found a page of that status: a
 * tenant with few failures had all its rows read (609 ms p99 on a million rows, docs/BENCHMARKS.md).
 * `(tenant_id, status, created_at)` answers it by reading the page itself.
 *
 * Built CONCURRENTLY, outside a transaction, so a large delivery log keeps taking writes while
 * the index is built. A build that failed leaves an invalid index behind: it is dropped first.
 */
export class DeliveriesByStatusIndex1766600000200 implements MigrationInterface {
  name = 'DeliveriesByStatusIndex1766600000200';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX CONCURRENTLY IF EXISTS deliveries_tenant_status_created');
    await queryRunner.query(
      'CREATE INDEX CONCURRENTLY deliveries_tenant_status_created ON deliveries (tenant_id, status, created_at)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX CONCURRENTLY IF EXISTS deliveries_tenant_status_created');
  }
}
