export * from './flow-definition';
export * from './flow-source';
export * from './flow-completeness';
export * from './tag-index';
export * from './parse-flow';
export * from './flow-index';
export { testFilter } from './filter-operators';
