/**
 * Every Flowline message is keyed `tenant:subject` so that one subject's messages share a
 * partition and keep their order through every hop (docs/ARCHITECTURE.md "Data flow").
 */
export function messageKey(tenant: string, subject: string): string {
  return `${tenant}:${subject}`;
}

/**
 * The tenants a message key can belong to: a tenant id may hold ":" itself, so each prefix before
 * a ":" (the key's own tenant is one of them). Lets a consumer pass over the records of tenants it
 * has nothing for without decoding them.
 */
export function tenantsOfKey(key: string): string[] {
  const tenants: string[] = [];
  for (let at = key.indexOf(':'); at !== -1; at = key.indexOf(':', at + 1)) tenants.push(key.slice(0, at));
  return tenants;
}

/** Headers Flowline sets on every message it produces. */
export const HEADER_ENVELOPE_VERSION = 'flowline-envelope-version';
export const HEADER_MESSAGE_TYPE = 'flowline-message-type';
