import type { FlowlineEvent } from '@flowline/contracts';
import type { ActivationObject, FilterTarget } from './flow-definition';
import { normalizeText } from './normalize-text';
import { TagIndex } from './tag-index';

/** What an event offers one activation object: whether it has a value for it, and that value's tags. */
export interface ActivationFacts {
  hasValue: boolean;
  /** Assigned ∪ carried tags, normalised. */
  tags: ReadonlySet<string>;
}

/**
 * Certain's standard registration properties: each is tagged automatically with its own name
 * ("Standard Registration Properties (Automatic)"), so a flow can activate for `Complete` without
 * any assignment.
 */
const STANDARD_PROPERTIES = ['Complete', 'Badge Printed', 'On To Do List', 'Invoice Generated', 'Test'].map(
  normalizeText,
);

/** Property values that read as "not set" although they are non-empty text. */
const FALSE_TEXT = new Set(['false', '0', 'no', 'off']);

/**
 * Where matching reads an event's `data` (docs/CONTRACT.md §2 layout), computed lazily and at most once per
 * event however many flows ask:
 *
 * | object / filter              | value read                          | tags the event carries            |
 * | ---------------------------- | ----------------------------------- | --------------------------------- |
 * | registration_status          | registration.status                 | registration.status_tags          |
 * | session_registration_status  | registration.session.status         | registration.session.status_tags  |
 * | event_status                 | event.status                        | event.status_tags                 |
 * | registration_property        | names of set registration.properties| registration.property_tags        |
 * | attendee_type filter         | registration.attendee_type          | registration.attendee_type_tags   |
 * | event filter, field `tags`   | event.id and event.code             | event.tags                        |
 * | event filter, other fields   | event.<field>                       |                                   |
 * | profile filter               | profile.<field>                     |                                   |
 *
 * A value's tags are the union of the tags Flowline assigns to it (tag_assignments, object as in the
 * first column; events are looked up by id and by code) and the tags the event carries (lists of tag
 * names; a single string counts as one tag). Carried tags are taken as they are, without checking that
 * Flowline knows them: the producer may tag values Flowline never sees, such as one event's custom
 * statuses. Status values may be text or numbers; anything else counts as no value.
 */
export class EventFacts {
  private readonly activation = new Map<ActivationObject, ActivationFacts>();
  private eventTags?: string[];
  private attendeeTypeTags?: string[];

  constructor(
    private readonly event: FlowlineEvent,
    private readonly tagIndex: TagIndex,
  ) {}

  activationFacts(object: ActivationObject): ActivationFacts {
    let facts = this.activation.get(object);
    if (!facts) {
      facts = this.readActivation(object);
      this.activation.set(object, facts);
    }
    return facts;
  }

  /** The value a filter reads (see the table above); undefined when the event lacks it. */
  filterValue(on: FilterTarget, field: string): unknown {
    switch (on) {
      case 'event':
        return field === 'tags' ? this.eventTagList() : readField(this.section('event'), field);
      case 'profile':
        return readField(this.section('profile'), field);
      case 'attendee_type':
        // Certain filters on "Attendee Type Tags": field `tags` is the attendee type's tags; any other
        // field name (conventionally `value`) reads the attendee type itself.
        return field === 'tags' ? this.attendeeTypeTagList() : this.section('registration').attendee_type;
    }
  }

  private readActivation(object: ActivationObject): ActivationFacts {
    const registration = this.section('registration');
    switch (object) {
      case 'registration_status':
        return this.statusFacts(object, registration.status, registration.status_tags);
      case 'session_registration_status': {
        const session = asRecord(registration.session);
        return this.statusFacts(object, session.status, session.status_tags);
      }
      case 'event_status': {
        const event = this.section('event');
        return this.statusFacts(object, event.status, event.status_tags);
      }
      case 'registration_property': {
        const names = setPropertyNames(registration.properties);
        const tags = new Set(tagNames(registration.property_tags));
        for (const name of names) {
          if (STANDARD_PROPERTIES.includes(normalizeText(name))) tags.add(normalizeText(name));
          for (const tag of this.assigned(object, name)) tags.add(tag);
        }
        return { hasValue: names.length > 0, tags };
      }
    }
  }

  private statusFacts(object: ActivationObject, rawValue: unknown, carried: unknown): ActivationFacts {
    const value = asText(rawValue);
    const tags = new Set(tagNames(carried));
    if (value !== undefined) for (const tag of this.assigned(object, value)) tags.add(tag);
    return { hasValue: value !== undefined, tags };
  }

  private eventTagList(): string[] {
    if (!this.eventTags) {
      const event = this.section('event');
      const tags = new Set(tagNames(event.tags));
      for (const key of [asText(event.id), asText(event.code)]) {
        if (key !== undefined) for (const tag of this.assigned('event', key)) tags.add(tag);
      }
      this.eventTags = [...tags];
    }
    return this.eventTags;
  }

  private attendeeTypeTagList(): string[] {
    if (!this.attendeeTypeTags) {
      const registration = this.section('registration');
      const tags = new Set(tagNames(registration.attendee_type_tags));
      const value = asText(registration.attendee_type);
      if (value !== undefined) for (const tag of this.assigned('attendee_type', value)) tags.add(tag);
      this.attendeeTypeTags = [...tags];
    }
    return this.attendeeTypeTags;
  }

  private assigned(object: string, value: string): ReadonlySet<string> {
    return this.tagIndex.tagsOf(this.event.tenant, object, value);
  }

  private section(name: 'registration' | 'event' | 'profile'): Record<string, unknown> {
    return asRecord(ownValue(this.event.data, name));
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Own properties only: a field named `constructor` or `__proto__` must not reach the prototype. */
function ownValue(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * A filter field: the key itself when the object has it (custom fields may contain dots), else a
 * dotted path (`custom.region`, `answers.0`).
 */
export function readField(record: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(record, field)) return record[field];
  let current: unknown = record;
  for (const part of field.split('.')) {
    current = ownValue(current, part);
    if (current === undefined) return undefined;
  }
  return current;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function tagNames(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((tag): tag is string => typeof tag === 'string' && tag.trim() !== '').map(normalizeText);
}

/**
 * The registration's properties that are set: `properties` maps names to values (`{Complete: true}`),
 * or lists the names that are set. A value is set when it is `true`, a non-zero number, or text other
 * than blank, `false`, `0`, `no` or `off`; any other non-null value (a list, an object) counts as set.
 */
function setPropertyNames(properties: unknown): string[] {
  if (Array.isArray(properties)) {
    return properties.filter((name): name is string => typeof name === 'string' && name.trim() !== '');
  }
  return Object.entries(asRecord(properties))
    .filter(([, value]) => isSet(value))
    .map(([name]) => name);
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.trim() !== '' && !FALSE_TEXT.has(normalizeText(value));
  return true;
}
