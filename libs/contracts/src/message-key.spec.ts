import { messageKey, tenantsOfKey } from './message-key';

describe('tenantsOfKey', () => {
  it('names the tenant of every key messageKey makes, also when tenant and subject hold ":"', () => {
    for (const [tenant, subject] of [
      ['acme', 'lead-1'],
      ['org:acme', 'lead-1'],
      ['acme', 'crm:lead:1'],
      ['a:b:c', ':x:'],
    ] as const)
      expect(tenantsOfKey(messageKey(tenant, subject))).toContain(tenant);
  });

  it('names no tenant for a key without one', () => {
    expect(tenantsOfKey('invalid')).toEqual([]);
    expect(tenantsOfKey('org:acme:lead-1')).toEqual(['org', 'org:acme']);
  });
});
