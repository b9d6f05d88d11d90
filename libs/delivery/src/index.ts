export * from './build-request';
export * from './classify-outcome';
export * from './connection-settings';
export * from './webhook-sender';
export * from './email-outcome';
export * from './email-sender';
