export * from './flow-definition';
export * from './flow-source';
export * from './flow-completeness';
export * from './tag-index';
export * from './parse-flow';
export * from './flow-index';
export { testFilter } from './filter-operators';
export * from './sequence-record';
export * from './sequence';
