import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLOWLINE_VERSION } from './version';

it('sends the version package.json declares as its user-agent', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
  expect(FLOWLINE_VERSION).toBe(pkg.version);
});
