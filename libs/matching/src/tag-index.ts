import { normalizeText } from './normalize-text';

/** A tag applied to one value of one object: the shape of a `tag_assignments` row. */
export interface TagAssignmentRecord {
  tenantId: string;
  tagName: string;
  /** registration_status, registration_property, session_registration_status, event_status, attendee_type, event... */
  object: string;
  /** The tagged value: a status (`Registered`), a property name (`Complete`), an attendee type, an event id. */
  value: string;
}

const NO_TAGS: ReadonlySet<string> = new Set();

/**
 * The tags Flowline assigns, looked up by (tenant, object, value) in one map built once per
 * configuration snapshot: an event costs one lookup per value it asks about, whatever the number
 * of assignments. Values and tag names are kept normalised (`normalizeText`).
 *
 * The tag's own `objects` list is not consulted: which objects a tag may be applied to is the
 * API's validation concern when assignments are written, and the database guarantees the tag
 * exists (foreign key, cascading delete).
 */
export class TagIndex {
  static readonly EMPTY = new TagIndex([]);

  private readonly byValue = new Map<string, Set<string>>();

  constructor(assignments: Iterable<TagAssignmentRecord>) {
    for (const assignment of assignments) {
      const key = TagIndex.key(assignment.tenantId, assignment.object, assignment.value);
      const tags = this.byValue.get(key) ?? new Set<string>();
      tags.add(normalizeText(assignment.tagName));
      this.byValue.set(key, tags);
    }
  }

  /** The (normalised) tags the tenant applied to this value of this object; empty when none. */
  tagsOf(tenant: string, object: string, value: string): ReadonlySet<string> {
    return this.byValue.get(TagIndex.key(tenant, object, value)) ?? NO_TAGS;
  }

  /** Number of distinct tagged (tenant, object, value) triples. */
  get size(): number {
    return this.byValue.size;
  }

  private static key(tenant: string, object: string, value: string): string {
    return `${tenant}\u0000${object}\u0000${normalizeText(value)}`;
  }
}
