// A jest reporter: empties a test file's service log before the file runs and prints its last
// lines after it when one of its tests failed, so the warnings and errors of the system under
// test are shown only where they explain a failure.
const fs = require('node:fs');
const { serviceLogFile } = require('./service-log-path');

const TAIL_LINES = 200;

class ServiceLogReporter {
  onTestFileStart(test) {
    fs.rmSync(serviceLogFile(test.path), { force: true });
  }

  onTestFileResult(test, result) {
    if (result.numFailingTests === 0 && !result.testExecError) return;
    const file = serviceLogFile(test.path);
    if (!fs.existsSync(file)) return;
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const shown = lines.slice(-TAIL_LINES);
    process.stderr.write(
      `\nService log of ${test.path} (${shown.length} of ${lines.length} lines, from ${file}):\n${shown.join('\n')}\n\n`,
    );
  }
}

module.exports = ServiceLogReporter;
