export * from './flowline-config';
export * from './service-name';
export * from './postgres-url';
export * from './kafka-sasl-mechanism';
