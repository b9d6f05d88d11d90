export * from './consumer-factory';
export * from './core.module';
export * from './infrastructure';
export * from './launch';
export * from './readiness';
export * from './tokens';
export * from './consumer-host';
export * from './config-catalog';
