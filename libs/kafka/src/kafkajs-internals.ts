import { createRequire } from 'node:module';

/** The kafkajs release the run-time patches were written for (decisions 0034, 0035). */
const PATCHED_VERSION = '2.2.4';

/**
 * A `require` for kafkajs's internal modules, for a patch of them: it stops the process at start
 * when the installed kafkajs is another release, so an upgrade cannot drop or misapply a patch
 * silently. `decision` names the record that says why the patch exists.
 */
export function kafkajsInternals(patch: string, decision: string): NodeJS.Require {
  const load = createRequire(__filename);
  const { version } = load('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_VERSION)
    throw new Error(
      `kafkajs ${version}: the ${patch} patch was written for ${PATCHED_VERSION}; ` +
        `check whether it is still needed (${decision})`,
    );
  return load;
}
