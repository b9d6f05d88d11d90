import type { DataSource } from 'typeorm';
import { FlowsRepository, TagsRepository } from '@flowline/db';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';

/** The configuration repositories against real PostgreSQL: every read and write stays in its tenant. */
describe('tenant rows', () => {
  let dataSource: DataSource;
  let flows: FlowsRepository;
  let tags: TagsRepository;
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    dataSource = await openDatabase(testEnvironment());
    flows = new FlowsRepository(dataSource);
    tags = new TagsRepository(dataSource);
    acme = `acme-${uniqueSuffix()}`;
    globex = `globex-${uniqueSuffix()}`;
    for (const tenant of [acme, globex])
      await dataSource.query('INSERT INTO tenants (id, name) VALUES ($1, $1)', [tenant]);
  });

  afterAll(async () => {
    await dataSource?.query('DELETE FROM tenants WHERE id = ANY($1)', [[acme, globex]]);
    await dataSource?.destroy();
  });

  it('finds, lists and removes only the asking tenant’s rows', async () => {
    const first = await flows.create(acme, { name: 'first', source: {} });
    const second = await flows.create(acme, { name: 'second', source: {} });
    const theirs = await flows.create(globex, { name: 'theirs', source: {} });

    expect((await flows.list(acme)).map((flow) => flow.name)).toEqual(['first', 'second']);
    expect(await flows.find(acme, theirs.id)).toBeUndefined();
    expect(await flows.exists(acme, theirs.id)).toBe(false);
    expect((await flows.find(globex, theirs.id))?.name).toBe('theirs');

    second.name = 'renamed';
    await flows.save(second);
    expect((await flows.find(acme, second.id))?.name).toBe('renamed');
    await flows.remove(first);
    expect((await flows.list(acme)).map((flow) => flow.name)).toEqual(['renamed']);

    await flows.removeAll(acme);
    expect(await flows.list(acme)).toEqual([]);
    expect((await flows.list(globex)).map((flow) => flow.name)).toEqual(['theirs']);
  });

  it('replaces a tag’s assignments as a whole, a value given twice kept once, other tags untouched', async () => {
    await tags.insert(acme, { name: 'engaged', label: 'Engaged', objects: ['registration_status'] });
    await tags.insert(acme, { name: 'vip', label: 'VIP', objects: ['registration_status'] });
    await tags.replaceAssignments(acme, 'vip', [{ object: 'registration_status', value: 'Gold' }]);
    await tags.replaceAssignments(acme, 'engaged', [{ object: 'registration_status', value: 'Registered' }]);

    await tags.replaceAssignments(acme, 'engaged', [
      { object: 'registration_status', value: 'Attended' },
      { object: 'registration_status', value: 'Attended' },
    ]);

    const values = (rows: Array<{ tagName: string; value: string }>) =>
      rows.map((row) => `${row.tagName}:${row.value}`).sort();
    expect(values(await tags.assignments(acme, 'engaged'))).toEqual(['engaged:Attended']);
    expect(values(await tags.assignments(acme))).toEqual(['engaged:Attended', 'vip:Gold']);
    expect(await tags.assignments(globex)).toEqual([]);
  });
});
