import { ConfigValidationError, loadConfig } from '@flowline/config';
import { runServices } from '@flowline/runtime';
import { runDemo } from './demo';
import { migrate } from './migrate';
import { parseCommand } from './parse-command';
import { retention } from './retention';
import { SERVICE_MODULES } from './service-modules';

/**
 * The image's entry point: `node dist/services/cluster/src/main.js <all|migrate|demo|service,...>`.
 * Composes the chosen services into one process, runs the migrations, or runs the local demo.
 */
async function main(): Promise<void> {
  const command = parseCommand(process.argv.slice(2), loadConfigOrExit().FLOWLINE_SERVICES);
  if (command.kind === 'demo') {
    await runDemo();
    return;
  }
  if (command.kind === 'migrate') {
    await migrate();
    return;
  }
  if (command.kind === 'retention') {
    await retention();
    return;
  }
  await runServices({ names: command.services, modules: command.services.map((name) => SERVICE_MODULES[name]) });
}

function loadConfigOrExit(): ReturnType<typeof loadConfig> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError) process.stderr.write(`${error.message}\n`);
    throw error;
  }
}

main().catch((error: unknown) => {
  if (!(error instanceof ConfigValidationError)) process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
