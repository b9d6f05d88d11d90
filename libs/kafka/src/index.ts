// First: kafkajs's produce path is patched before kafkajs loads (decision 0040).
import './kafkajs-producer-patch';
export * from './bounded-read';
export * from './broker-probe';
export * from './consumer-runner';
export * from './dead-letter-record';
export * from './flowline-producer';
export * from './json-codec';
export { producerPatchInEffect } from './kafkajs-producer-patch';
export * from './key-partitioner';
export * from './kafka-client';
export * from './lag-monitor';
export * from './newest-windows';
export * from './oauth-token-source';
export * from './record-size';
export * from './topic-provisioner';
export * from './with-timeout';
export type { Kafka } from 'kafkajs';
export { logLevel as KafkaLogLevel } from 'kafkajs';
