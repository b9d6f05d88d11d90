export * from './bounded-read';
export * from './broker-probe';
export * from './consumer-runner';
export * from './flowline-producer';
export * from './json-codec';
export * from './kafka-client';
export * from './topic-provisioner';
export type { Kafka } from 'kafkajs';
