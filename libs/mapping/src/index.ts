export * from './mapping-definition';
export * from './render-payload';
