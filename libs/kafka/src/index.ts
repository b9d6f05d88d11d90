export * from './consumer-runner';
export * from './dead-letter-record';
export * from './flowline-producer';
export * from './json-codec';
export * from './kafka-client';
export * from './record-size';
export * from './topic-provisioner';
export type { Kafka } from 'kafkajs';
