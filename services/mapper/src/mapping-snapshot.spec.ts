import { buildMappingSnapshot } from './mapping-snapshot';

describe('buildMappingSnapshot', () => {
  const snapshot = buildMappingSnapshot({
    mappings: [{ id: 'm1', tenantId: 'acme', name: 'Lead', fields: [{ target: 'email', source: 'email' }] }],
    tagAssignments: [
      { tenantId: 'acme', tagName: 'company', object: 'question', value: 'Company Name' },
      { tenantId: 'acme', tagName: 'company', object: 'question', value: 'Organisation' },
      { tenantId: 'acme', tagName: 'constructor', object: 'question', value: 'Odd tag name' },
      { tenantId: 'acme', tagName: 'engaged', object: 'registration_status', value: 'Attended' },
      { tenantId: 'globex', tagName: 'company', object: 'question', value: 'Employer' },
    ],
  });

  it('keeps mappings by id with their tenant', () => {
    expect(snapshot.mappings.get('m1')).toEqual({
      id: 'm1',
      tenant: 'acme',
      name: 'Lead',
      fields: [{ target: 'email', source: 'email' }],
    });
  });

  it('groups question assignments per tenant and tag, and ignores other objects', () => {
    expect({ ...snapshot.questionTags.get('acme') }).toEqual({
      company: ['Company Name', 'Organisation'],
      constructor: ['Odd tag name'],
    });
    expect({ ...snapshot.questionTags.get('globex') }).toEqual({ company: ['Employer'] });
  });
});
