/** Injection tokens for what is not a class of our own. */
export const CONFIG = Symbol('FLOWLINE_CONFIG');
export const LOGGER = Symbol('FLOWLINE_LOGGER');
export const KAFKA = Symbol('FLOWLINE_KAFKA');

/** What a service does when its Kafka consumer died beyond recovery. */
export type CrashHandler = (error: Error) => void;
