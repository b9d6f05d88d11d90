import type { DataSource } from 'typeorm';
import {
  FlowsRepository,
  MAX_CONFIG_BYTES_PER_KIND,
  MAX_CONFIG_ROWS_PER_KIND,
  TagsRepository,
  TenantQuotaExceeded,
} from '@flowline/db';
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

  it('keeps a tenant to its bounds of one kind, counted and measured with the write, and nobody else', async () => {
    const bounded = `bounded-${uniqueSuffix()}`;
    await dataSource.query('INSERT INTO tenants (id, name) VALUES ($1, $1)', [bounded]);
    try {
      // The bound less one row, written directly (a thousand API calls would say nothing more).
      await dataSource.query(
        `INSERT INTO flows (tenant_id, name, source) SELECT $1, 'f' || n, '{}' FROM generate_series(1, $2) AS n`,
        [bounded, MAX_CONFIG_ROWS_PER_KIND - 1],
      );
      const last = await flows.create(bounded, { name: 'the last one', source: {} });
      await expect(flows.create(bounded, { name: 'one too many', source: {} })).rejects.toThrow(
        new TenantQuotaExceeded(`a tenant may have at most ${MAX_CONFIG_ROWS_PER_KIND} flows; delete one first`),
      );
      expect(await flows.list(bounded)).toHaveLength(MAX_CONFIG_ROWS_PER_KIND);
      // Another tenant is not counted with it.
      expect((await flows.create(globex, { name: 'still room', source: {} })).name).toBe('still room');

      // Growing a row past the kind's size is refused too, and leaves the row as it was.
      last.source = { filler: 'x'.repeat(MAX_CONFIG_BYTES_PER_KIND) };
      await expect(flows.save(last)).rejects.toThrow(/flows may take at most 32 MiB together; this would take 3\d MiB/);
      expect((await flows.find(bounded, last.id))?.source).toEqual({});

      // A tenant over a bound (lowered since, say) can still change what does not grow it.
      await dataSource.query(`INSERT INTO flows (tenant_id, name, source) VALUES ($1, 'over', '{}')`, [bounded]);
      last.source = {};
      last.name = 'last';
      await expect(flows.save(last)).resolves.toMatchObject({ name: 'last' });
    } finally {
      await dataSource.query('DELETE FROM tenants WHERE id = $1', [bounded]);
    }
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
