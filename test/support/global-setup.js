// The SIGTERM suite runs the cluster as a real child process from dist/, and the api serves the
// console from dist/console: build both once first.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  const root = path.resolve(__dirname, '../..');
  execFileSync(
    process.execPath,
    [
      require.resolve('@swc/cli/bin/swc.js'),
      'services',
      'libs',
      '-d',
      'dist',
      '--config-file',
      '.swcrc',
      '--ignore',
      '**/*.spec.ts',
      '--quiet',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  execFileSync(process.execPath, [path.join(root, 'console', 'build.mjs')], { cwd: root, stdio: 'inherit' });
};
