export * from './action';
export * from './delivery-id';
export * from './event-envelope';
export * from './message-key';
export * from './parse-event';
export * from './topics';
export * from './version';
export * from './dead-letter';
