import { ServiceName, SERVICE_NAMES } from '@flowline/config';
import { launch, LaunchedServices } from '@flowline/runtime';
import { SERVICE_MODULES } from '../../services/cluster/src/service-modules';

export interface TestCluster extends LaunchedServices {
  /** Consumer crashes seen (a crash would exit a real process; here the test can assert on it). */
  crashes: Error[];
}

/** Runs the given services in this process, as `node dist/services/cluster/src/main.js` would. */
export async function startCluster(
  env: Record<string, string>,
  services: readonly ServiceName[] = SERVICE_NAMES,
): Promise<TestCluster> {
  const crashes: Error[] = [];
  const launched = await launch({
    names: [...services],
    modules: services.map((name) => SERVICE_MODULES[name]),
    env,
    handleSignals: false,
    onCrash: (error) => crashes.push(error),
  });
  return { ...launched, crashes };
}
