export * from './flow-definition';
export * from './flow-index';
