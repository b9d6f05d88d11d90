import pino from 'pino';
import type { ConfigChangeHandlers, ConfigSource, ConfigTables, MappingEntity, TenantConfig } from '@flowline/db';
import { ConfigCatalog } from './config-catalog';
import { changedTenants, ConfigChange, ConfigSnapshot, ReloadCause, staleTenants } from './config-snapshot';

const silent = pino({ level: 'silent' });

/** PostgreSQL's configuration tables and per-tenant versions, in memory. */
class InMemoryConfigSource implements ConfigSource {
  private readonly stored = new Map<string, TenantConfig>();
  loads: string[][] = [];
  /** Runs inside `load`, between reading and answering: a write landing mid-load. */
  duringLoad: (() => void) | undefined;

  write(tenant: string, mappingNames: string[]): void {
    const version = String(Number(this.stored.get(tenant)?.version ?? '0') + 1);
    this.stored.set(tenant, { tenant, version, tables: tables(tenant, mappingNames) });
  }

  forget(tenant: string): void {
    this.stored.delete(tenant);
  }

  versions(): Promise<Map<string, string>> {
    return Promise.resolve(new Map([...this.stored].map(([tenant, config]) => [tenant, config.version])));
  }

  load(tenants: readonly string[]): Promise<Map<string, TenantConfig>> {
    this.loads.push([...tenants].sort());
    const answer = new Map(
      tenants.flatMap((tenant) => (this.stored.has(tenant) ? [[tenant, this.stored.get(tenant)!] as const] : [])),
    );
    const during = this.duringLoad;
    this.duringLoad = undefined;
    during?.();
    return Promise.resolve(answer);
  }
}

function tables(tenant: string, mappingNames: string[]): ConfigTables {
  return {
    flows: [],
    mappings: mappingNames.map((name) => ({ id: `${tenant}-${name}`, tenantId: tenant, name }) as MappingEntity),
    connections: [],
    tags: [],
    tagAssignments: [],
    sequences: [],
  };
}

/** A change feed the test drives: what PostgreSQL's notifications would call. */
class FakeFeed {
  handlers!: ConfigChangeHandlers;
  started = 0;
  start(): Promise<void> {
    this.started += 1;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

/** The mapping names of each tenant, rebuilt per tenant; counts its builds. */
class NamesCatalog extends ConfigCatalog<string[]> {
  readonly builds: string[] = [];
  constructor(snapshot: ConfigSnapshot, failFor?: string) {
    super(snapshot, silent, (config: ConfigTables, tenant: string) => {
      this.builds.push(tenant);
      if (tenant === failFor && config.mappings.some((row) => row.name === 'broken')) throw new Error('bad row');
      return config.mappings.map((row) => row.name);
    });
  }
  names(tenant: string): string[] | undefined {
    return this.view(tenant);
  }
  all(): ReadonlyMap<string, string[]> {
    return this.views();
  }
}

function setup() {
  const source = new InMemoryConfigSource();
  const feed = new FakeFeed();
  const reloads: Array<[ReloadCause, number]> = [];
  const snapshot = new ConfigSnapshot(source, {
    refreshMs: 3_600_000,
    logger: silent,
    feed: (handlers) => {
      feed.handlers = handlers;
      return feed;
    },
    countReloads: (cause, tenants) => reloads.push([cause, tenants]),
  });
  const changes: ConfigChange[] = [];
  snapshot.onChange((change) => changes.push(change));
  return { source, feed, snapshot, reloads, changes };
}

describe('staleTenants', () => {
  it.each([
    ['nothing held, two tenants', {}, { a: '1', b: '3' }, ['a', 'b']],
    ['same versions', { a: '1', b: '3' }, { a: '1', b: '3' }, []],
    ['one moved', { a: '1', b: '3' }, { a: '1', b: '4' }, ['b']],
    ['one new', { a: '1' }, { a: '1', c: '1' }, ['c']],
    ['one gone', { a: '1', b: '3' }, { a: '1' }, ['b']],
    ['a version that went back counts as moved', { a: '5' }, { a: '1' }, ['a']],
  ])('%s', (_name, held, current, expected) => {
    expect(staleTenants(new Map(Object.entries(held)), new Map(Object.entries(current))).sort()).toEqual(expected);
  });
});

describe('changedTenants', () => {
  const config = (tenant: string, version: string): TenantConfig => ({ tenant, version, tables: tables(tenant, []) });

  it('keeps only the asked tenants whose version differs, and those that have no configuration left', () => {
    const held = new Map([
      ['a', config('a', '1')],
      ['b', config('b', '2')],
      ['gone', config('gone', '4')],
    ]);
    const loaded = new Map([
      ['a', config('a', '1')],
      ['b', config('b', '3')],
      ['new', config('new', '1')],
    ]);
    const changed = changedTenants(held, loaded, ['a', 'b', 'gone', 'new', 'never']);
    expect([...changed.keys()]).toEqual(['b', 'gone', 'new']);
    expect(changed.get('b')?.version).toBe('3');
    expect(changed.get('gone')).toBeUndefined();
  });
});

describe('ConfigSnapshot', () => {
  it('starts once for every catalog of the process: one listener, one load of every tenant', async () => {
    const { source, feed, snapshot, reloads } = setup();
    source.write('acme', ['m1']);
    source.write('globex', ['g1']);
    const first = new NamesCatalog(snapshot);
    const second = new NamesCatalog(snapshot);
    await Promise.all([first.onModuleInit(), second.onModuleInit()]);
    expect(feed.started).toBe(1);
    expect(source.loads).toEqual([['acme', 'globex']]);
    expect(reloads).toEqual([['start', 2]]);
    expect(first.names('acme')).toEqual(['m1']);
    expect(second.names('globex')).toEqual(['g1']);
    await snapshot.stop();
  });

  it("reloads only the notified tenant, and rebuilds only that tenant's views", async () => {
    const { source, feed, snapshot, reloads } = setup();
    source.write('acme', ['m1']);
    source.write('globex', ['g1']);
    const catalog = new NamesCatalog(snapshot);
    await catalog.onModuleInit();
    const globexView = catalog.names('globex');
    catalog.builds.length = 0;

    source.write('acme', ['m1', 'm2']);
    const changed = nextChangeOf(snapshot);
    feed.handlers.tenantChanged('acme');
    expect([...(await changed).tenants.keys()]).toEqual(['acme']);
    expect(catalog.builds).toEqual(['acme']);
    expect(catalog.names('acme')).toEqual(['m1', 'm2']);
    expect(catalog.names('globex')).toBe(globexView);
    expect(source.loads.at(-1)).toEqual(['acme']);
    expect(reloads.at(-1)).toEqual(['notify', 1]);
    await snapshot.stop();
  });

  it('rebuilds nothing for a notification whose version it holds already', async () => {
    const { source, feed, snapshot, changes } = setup();
    source.write('acme', ['m1']);
    const catalog = new NamesCatalog(snapshot);
    await catalog.onModuleInit();
    catalog.builds.length = 0;
    feed.handlers.tenantChanged('acme');
    await snapshot.refresh();
    expect(catalog.builds).toEqual([]);
    expect(changes.map((change) => change.cause)).toEqual(['start']);
    await snapshot.stop();
  });

  it('loads the tenants notified during a load together, in one load after it', async () => {
    const { source, feed, snapshot } = setup();
    source.write('a', ['1']);
    const catalog = new NamesCatalog(snapshot);
    await catalog.onModuleInit();
    source.write('b', ['1']);
    source.write('c', ['1']);
    source.write('d', ['1']);
    source.duringLoad = () => {
      feed.handlers.tenantChanged('c');
      feed.handlers.tenantChanged('d');
    };
    feed.handlers.tenantChanged('b');
    await snapshot.refresh();
    expect(source.loads.slice(1)).toEqual([['b'], ['c', 'd']]);
    expect([...catalog.all().keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    await snapshot.stop();
  });

  it('finds a change whose notification was lost when polling, refreshing or listening again', async () => {
    const { source, feed, snapshot, changes } = setup();
    source.write('acme', ['m1']);
    const catalog = new NamesCatalog(snapshot);
    await catalog.onModuleInit();

    source.write('acme', ['m2']);
    await snapshot.refresh();
    expect(catalog.names('acme')).toEqual(['m2']);

    source.write('acme', ['m3']);
    const changed = nextChangeOf(snapshot);
    feed.handlers.listening();
    expect((await changed).cause).toBe('reconnect');
    expect(catalog.names('acme')).toEqual(['m3']);
    expect(changes.map((change) => change.cause)).toEqual(['start', 'refresh', 'reconnect']);
    await snapshot.stop();
  });

  it('drops the views of a tenant that has no configuration any more', async () => {
    const { source, snapshot } = setup();
    source.write('acme', ['m1']);
    source.write('globex', ['g1']);
    const catalog = new NamesCatalog(snapshot);
    await catalog.onModuleInit();
    source.forget('globex');
    await snapshot.refresh();
    expect([...catalog.all().keys()]).toEqual(['acme']);
    await snapshot.stop();
  });

  it("keeps a tenant's last view when its new rows cannot be built, and still rebuilds the others", async () => {
    const { source, snapshot } = setup();
    source.write('acme', ['m1']);
    source.write('globex', ['g1']);
    const catalog = new NamesCatalog(snapshot, 'acme');
    await catalog.onModuleInit();
    source.write('acme', ['broken']);
    source.write('globex', ['g2']);
    await snapshot.refresh();
    expect(catalog.names('acme')).toEqual(['m1']);
    expect(catalog.names('globex')).toEqual(['g2']);
    await snapshot.stop();
  });

  it('leaves the views a caller took unchanged: a chunk sees one configuration to its end', async () => {
    const { source, snapshot } = setup();
    source.write('acme', ['m1']);
    const catalog = new NamesCatalog(snapshot);
    await catalog.onModuleInit();
    const taken = catalog.all();
    source.write('acme', ['m2']);
    source.write('globex', ['g1']);
    await snapshot.refresh();
    expect(Object.fromEntries(taken)).toEqual({ acme: ['m1'] });
    expect(Object.fromEntries(catalog.all())).toEqual({ acme: ['m2'], globex: ['g1'] });
    await snapshot.stop();
  });

  it('tells subscribers of a paused connection without reloading anything', async () => {
    const { source, feed, snapshot, changes } = setup();
    source.write('acme', ['m1']);
    await snapshot.start();
    const paused: string[] = [];
    snapshot.onConnectionPaused(({ tenant, connectionId }) => paused.push(`${tenant}/${connectionId}`));
    feed.handlers.connectionPaused({ tenant: 'acme', connectionId: 'c1' });
    expect(paused).toEqual(['acme/c1']);
    expect(source.loads).toHaveLength(1);
    expect(changes.map((change) => change.cause)).toEqual(['start']);
    await snapshot.stop();
  });
});

function nextChangeOf(snapshot: ConfigSnapshot): Promise<ConfigChange> {
  return new Promise((resolve) => {
    const unsubscribe = snapshot.onChange((change) => {
      unsubscribe();
      resolve(change);
    });
  });
}
