/** The pipeline services and the control plane; each can run alone or composed in one process. */
export const SERVICE_NAMES = ['ingest', 'flow-evaluator', 'sequence-detector', 'mapper', 'dispatcher', 'api'] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Each service's own HTTP port (for /metrics and health) when it runs alone. */
export const DEFAULT_PORTS: Record<ServiceName, number> = {
  api: 8080,
  ingest: 8081,
  'flow-evaluator': 8082,
  'sequence-detector': 8083,
  mapper: 8084,
  dispatcher: 8085,
};

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}
