import { TagIndex } from './tag-index';

describe('TagIndex', () => {
  const index = new TagIndex([
    { tenantId: 'acme', tagName: 'registered', object: 'registration_status', value: 'Registered' },
    { tenantId: 'acme', tagName: 'Engaged', object: 'registration_status', value: 'Registered' },
    { tenantId: 'acme', tagName: 'engaged', object: 'registration_status', value: 'Attended' },
    { tenantId: 'acme', tagName: 'vip', object: 'attendee_type', value: 'VIP' },
    { tenantId: 'other', tagName: 'theirs', object: 'registration_status', value: 'Registered' },
  ]);

  it('finds the tags of one value of one object of one tenant', () => {
    expect([...index.tagsOf('acme', 'registration_status', 'Registered')].sort()).toEqual(['engaged', 'registered']);
    expect([...index.tagsOf('other', 'registration_status', 'Registered')]).toEqual(['theirs']);
  });

  it('compares values trimmed and case-insensitively', () => {
    expect([...index.tagsOf('acme', 'registration_status', ' registered ')].sort()).toEqual(['engaged', 'registered']);
  });

  it('keeps objects and tenants apart', () => {
    expect(index.tagsOf('acme', 'attendee_type', 'Registered').size).toBe(0);
    expect(index.tagsOf('acme', 'registration_status', 'VIP').size).toBe(0);
    expect(index.tagsOf('nobody', 'registration_status', 'Registered').size).toBe(0);
    expect(index.tagsOf('acme', 'registration_status', 'constructor').size).toBe(0);
  });

  it('counts tagged values', () => {
    expect(index.size).toBe(4);
    expect(TagIndex.EMPTY.size).toBe(0);
  });
});
