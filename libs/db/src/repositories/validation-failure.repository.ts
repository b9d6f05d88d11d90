import type { DataSource } from 'typeorm';
import type { ValidationFailureRecord } from '../delivery-store/delivery-store';
import { PostgresDeliveryStore } from '../delivery-store/postgres-delivery-store';

/**
 * The mapper's one write to the delivery log, through the delivery store (which owns every
 * write to `deliveries`): validation failures, logged as failed deliveries that were never
 * attempted. The mapper gets this narrow door rather than the whole store.
 */
export class ValidationFailureRepository {
  private readonly store: PostgresDeliveryStore;

  constructor(dataSource: DataSource) {
    this.store = new PostgresDeliveryStore(dataSource);
  }

  /** One statement per chunk; see `DeliveryStore.recordValidationFailures`. */
  record(failures: readonly ValidationFailureRecord[]): Promise<void> {
    return this.store.recordValidationFailures(failures);
  }
}
