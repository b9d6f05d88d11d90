import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import * as db from './index';
import { createDataSource } from './data-source';
import { DatabaseModule, REPOSITORIES } from './database.module';
import { DeliveryStore } from './delivery-store/delivery-store';
import { PostgresDeliveryStore } from './delivery-store/postgres-delivery-store';
import { TagsRepository } from './repositories/tags.repository';

/**
 * Repositories of libs/db that are not injected, and why: the base class of the configuration
 * tables' repositories, and the retention batches, built per pass with the operator's lateness
 * setting (by `RetentionRunner`, which is injected).
 */
const NOT_INJECTED = new Set(['TenantRowsRepository', 'RetentionRepository']);

/** A service module of some process: it imports nothing, as a service module does not. */
@Injectable()
class TagsUser {
  constructor(@Inject(TagsRepository) readonly tags: TagsRepository) {}
}
@Module({ providers: [TagsUser] })
class SomeServiceModule {}

describe('DatabaseModule: every repository injectable by its class, built once', () => {
  // Never opened: building the repositories connects nothing.
  const dataSource = createDataSource('postgres://flowline@127.0.0.1:1/none');
  const compile = () =>
    Test.createTestingModule({ imports: [DatabaseModule.forRoot(dataSource), SomeServiceModule] }).compile();

  it('provides every repository libs/db exports', () => {
    const exported = Object.entries(db)
      .filter(([name, value]) => name.endsWith('Repository') && typeof value === 'function')
      .map(([name]) => name)
      .filter((name) => !NOT_INJECTED.has(name))
      .sort();
    const provided = REPOSITORIES.map((repository) => repository.name).sort();
    expect(provided).toEqual(expect.arrayContaining(exported));
  });

  it('answers one instance of each, in any module of the process, and the PostgreSQL delivery store', async () => {
    const app = await compile();
    for (const repository of REPOSITORIES) {
      const instance: unknown = app.get(repository, { strict: false });
      expect(instance).toBeInstanceOf(repository);
      expect(app.get(repository, { strict: false })).toBe(instance);
    }
    expect(app.get(DeliveryStore, { strict: false })).toBeInstanceOf(PostgresDeliveryStore);
    // Global: a service module that imports nothing gets the same repository.
    expect(app.get(TagsUser, { strict: false }).tags).toBe(app.get(TagsRepository, { strict: false }));
    await app.close();
  });
});
