export * from './core.module';
export * from './infrastructure';
export * from './launch';
export * from './readiness';
export * from './tokens';
export * from './consumer-transport';
export * from './config-catalog';
export * from './delivery-senders';
