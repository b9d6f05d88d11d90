import { isServiceName, SERVICE_NAMES, ServiceName } from '@flowline/config';

export type ClusterCommand =
  { kind: 'migrate' } | { kind: 'retention' } | { kind: 'demo' } | { kind: 'run'; services: ServiceName[] };

/**
 * `all`, `migrate`, `retention`, `demo`, or service names separated by commas or spaces; with no argument,
 * `FLOWLINE_SERVICES`, else every service (so the image runs anything it is told to).
 */
export function parseCommand(args: string[], servicesVariable: string | undefined): ClusterCommand {
  const words = (args.length > 0 ? args.join(',') : (servicesVariable ?? 'all'))
    .split(/[,\s]+/)
    .filter((word) => word.length > 0);
  if (words.length === 1 && words[0] === 'migrate') return { kind: 'migrate' };
  if (words.length === 1 && words[0] === 'retention') return { kind: 'retention' };
  if (words.length === 1 && words[0] === 'demo') return { kind: 'demo' };
  if (words.length === 0 || words.includes('all')) return { kind: 'run', services: [...SERVICE_NAMES] };
  const unknown = words.filter((word) => !isServiceName(word));
  if (unknown.length > 0) {
    throw new Error(
      `unknown service(s): ${unknown.join(', ')}; expected all, migrate, retention, demo or ${SERVICE_NAMES.join(', ')}`,
    );
  }
  return { kind: 'run', services: [...new Set(words)] as ServiceName[] };
}
