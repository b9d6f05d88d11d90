export * from './consumer-runner';
export * from './flowline-producer';
export * from './json-codec';
export * from './kafka-client';
export * from './oauth-token-source';
export * from './topic-provisioner';
export type { Kafka } from 'kafkajs';
