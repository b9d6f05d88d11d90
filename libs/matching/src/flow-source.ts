import type { ActivationObject, FlowSource } from './flow-definition';

/** Source presets (docs/CONTRACT.md §6) and the canonical event types each watches. */
export const SOURCE_PRESETS: ReadonlyMap<string, readonly string[]> = new Map([
  ['registration_create_update', ['registration.created', 'registration.updated']],
  ['registration_status_change', ['registration.status_changed']],
  ['session_registration_status_change', ['session_registration.status_changed']],
  ['event_create_update', ['event.created', 'event.updated']],
]);

/**
 * The activation a watched event type demands (Certain Signal, "Activate for"): watching a
 * registration status change requires registration status tags, a session registration status
 * change session registration status tags, and event create/update event status tags. The rule
 * follows the watched type, whether a preset or an explicit `types` list names it, so the same
 * flow written either way has the same requirements. (Maps, not object literals: producer types
 * such as `constructor` must not find `Object.prototype`.)
 */
const REQUIRED_ACTIVATION: ReadonlyMap<string, ActivationObject> = new Map([
  ['registration.status_changed', 'registration_status'],
  ['session_registration.status_changed', 'session_registration_status'],
  ['event.created', 'event_status'],
  ['event.updated', 'event_status'],
]);

/**
 * The event types a source watches, presets expanded, de-duplicated, in order. A preset that is
 * not one of the four names is itself an event type (`{preset: "pricing_page_view"}`); blank
 * types are ignored, so `{types: []}` watches nothing.
 */
export function sourceTypes(source: FlowSource): string[] {
  if (source === null) return [];
  const named = 'types' in source ? source.types : (SOURCE_PRESETS.get(source.preset) ?? [source.preset]);
  return [...new Set(named.filter((type) => type.trim() !== ''))];
}

/** The activation objects a flow watching these types must activate for, in a stable order. */
export function requiredActivation(types: readonly string[]): ActivationObject[] {
  const required = new Set<ActivationObject>();
  for (const type of types) {
    const object = REQUIRED_ACTIVATION.get(type);
    if (object) required.add(object);
  }
  return [...required].sort();
}
