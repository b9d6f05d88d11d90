export * from './sequence-definition';
export { parseEventTime, formatEventTime } from './event-time';
export { maxStateEvents } from './sequence-plan';
export { stepSequence, expireState } from './sequence-matcher';
export { simulateSequence } from './simulate-sequence';
