import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery figures that outlive the delivery log (decision 0021). The delivery figures of
 * `GET /insights` are counted from `deliveries`; a delivery removed by retention (after 30 days,
 * while insights are kept 400) or by an erasure is first folded into these hourly counters, which
 * hold no subject, so the figures of a period stay what they were.
 *
 * One row per (tenant, hour of creation, live, flow, connection, sequence, channel, status,
 * category): `deliveries` of them, `retries` their automatic retries. `live` is null for a
 * delivery whose flow was already gone. NULLS NOT DISTINCT: a sequence's delivery (no flow, no
 * connection) has one row per hour too.
 */
export class DeliveryInsightsRollup1766050000000 implements MigrationInterface {
  name = 'DeliveryInsightsRollup1766050000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE insights_hourly_deliveries (
        tenant_id text NOT NULL,
        hour timestamptz NOT NULL,
        live boolean,
        flow_id uuid,
        connection_id uuid,
        sequence_id text,
        channel text NOT NULL,
        status text NOT NULL,
        category text,
        deliveries bigint NOT NULL,
        retries bigint NOT NULL,
        CONSTRAINT insights_hourly_deliveries_key UNIQUE NULLS NOT DISTINCT
          (tenant_id, hour, live, flow_id, connection_id, sequence_id, channel, status, category)
      );
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE insights_hourly_deliveries');
  }
}
