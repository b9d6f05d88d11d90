// setupFilesAfterEnv of the integration tier: the services this test file starts log to its own
// file instead of the test output (the reporter prints it when a test fails).
const { serviceLogFile } = require('./service-log-path');

process.env.LOG_FILE = serviceLogFile(expect.getState().testPath);
