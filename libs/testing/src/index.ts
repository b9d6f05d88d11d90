export * from './http-receiver';
export * from './kafka-test-client';
export * from './seed-config';
export * from './test-environment';
export * from './smtp-receiver';
export * from './delivery-store-contract';
export * from './tcp-proxy';
