export * from './flowline-metrics';
export * from './logger';
