// Where the services of one test file write their log lines (LOG_FILE): one file per test file
// under .local/test-logs, named after it.
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');

exports.serviceLogFile = (testPath) =>
  path.join(ROOT, '.local', 'test-logs', `${path.relative(ROOT, testPath).replace(/[\\/]/g, '__')}.log`);
