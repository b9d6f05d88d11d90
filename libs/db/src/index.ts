export * from './config-watcher';
export * from './data-source';
export * from './entities';
export * from './migrations';
export * from './repositories/config.repository';
export * from './repositories/delivery-log.repository';
export * from './repositories/processed-events.repository';
export type { DataSource, EntityManager } from 'typeorm';
export * from './repositories/sequence-state.repository';
