export * from './flowline-config';
export * from './service-name';
