export * from './authenticated-sender';
export * from './delivery-auth';
export * from './oauth2-token-manager';
