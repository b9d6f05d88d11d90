/** Flowline's version, sent as `user-agent: Flowline/<version>`; a unit test keeps it equal to package.json. */
export const FLOWLINE_VERSION = '0.1.0';
