import { HttpException } from '@nestjs/common';
import { ConcurrencyLimit } from './tenant-concurrency';

describe('ConcurrencyLimit', () => {
  /** Work that runs until the test lets it end. */
  function held(): { work: () => Promise<string>; end: () => void; fail: () => void } {
    let end!: () => void;
    let fail!: () => void;
    const done = new Promise<string>((resolve, reject) => {
      end = () => resolve('done');
      fail = () => reject(new Error('failed'));
    });
    return { work: () => done, end, fail };
  }

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => (error instanceof HttpException ? [error.getStatus(), error.message] : error),
    );

  it('refuses a tenant past its own share with 429, while another tenant still runs', async () => {
    const limit = new ConcurrencyLimit(2, 5, 'reads');
    const [a, b] = [held(), held()];
    const running = [limit.run('acme', a.work), limit.run('acme', b.work)];
    expect(await refusal(limit.run('acme', held().work))).toEqual([
      429,
      'too many reads run at once: try again when one has answered',
    ]);
    const other = held();
    const theirs = limit.run('globex', other.work);
    other.end();
    await expect(theirs).resolves.toBe('done');
    a.end();
    await running[0];
    const again = held();
    const next = limit.run('acme', again.work);
    again.end();
    await expect(next).resolves.toBe('done');
    b.end();
    await running[1];
  });

  it('refuses everyone past the total, and frees a place when work fails', async () => {
    const limit = new ConcurrencyLimit(5, 2, 'reads');
    const [a, b] = [held(), held()];
    const first = limit.run('acme', a.work);
    const second = limit.run('globex', b.work);
    expect(await refusal(limit.run('initech', held().work))).toEqual([429, expect.any(String)]);
    a.fail();
    await expect(first).rejects.toThrow('failed');
    const c = held();
    const third = limit.run('initech', c.work);
    c.end();
    b.end();
    await expect(Promise.all([second, third])).resolves.toEqual(['done', 'done']);
  });

  it('lets up to maxWaiting of a tenant wait their turn, in order, and refuses the next', async () => {
    const limit = new ConcurrencyLimit(1, 5, 'reads', 2, 60_000);
    const order: string[] = [];
    const [a, b, c] = [held(), held(), held()];
    const track = (name: string, work: () => Promise<string>) => () => {
      order.push(name);
      return work();
    };
    const first = limit.run('acme', track('a', a.work));
    const second = limit.run('acme', track('b', b.work));
    const third = limit.run('acme', track('c', c.work));
    expect(await refusal(limit.run('acme', held().work))).toEqual([429, expect.any(String)]);
    // Another tenant is not queued behind them.
    const other = held();
    const theirs = limit.run('globex', track('g', other.work));
    other.end();
    await theirs;
    expect(order).toEqual(['a', 'g']);
    a.end();
    await first;
    await Promise.resolve();
    expect(order).toEqual(['a', 'g', 'b']);
    b.end();
    await second;
    await Promise.resolve();
    expect(order).toEqual(['a', 'g', 'b', 'c']);
    c.end();
    await expect(third).resolves.toBe('done');
  });

  it('gives a freed place to the tenant that waited longest, so two busy tenants cannot starve a third', async () => {
    const limit = new ConcurrencyLimit(3, 3, 'reads', 10, 60_000);
    const order: string[] = [];
    const works = new Map<string, ReturnType<typeof held>>();
    const start = (tenant: string, name: string) => {
      const work = held();
      works.set(name, work);
      return limit.run(tenant, () => {
        order.push(name);
        return work.work();
      });
    };
    const runs = [start('acme', 'a1'), start('acme', 'a2'), start('initech', 'c1')];
    const waiting = [start('acme', 'a3'), start('globex', 'b1'), start('acme', 'a4')];
    const finish = async (name: string, run: Promise<unknown>) => {
      works.get(name)!.end();
      await run;
      await Promise.resolve();
    };
    await finish('a1', runs[0]!);
    expect(order).toEqual(['a1', 'a2', 'c1', 'a3']);
    // Acme went to the back of the line when its turn came: globex is next, not acme again.
    await finish('c1', runs[2]!);
    expect(order).toEqual(['a1', 'a2', 'c1', 'a3', 'b1']);
    await finish('a2', runs[1]!);
    expect(order).toEqual(['a1', 'a2', 'c1', 'a3', 'b1', 'a4']);
    for (const name of ['a3', 'b1', 'a4']) works.get(name)!.end();
    await Promise.all(waiting);
  });

  it('refuses a request that waited longer than maxWaitMs, and forgets it', async () => {
    const limit = new ConcurrencyLimit(1, 1, 'reads', 5, 20);
    const first = held();
    const running = limit.run('acme', first.work);
    expect(await refusal(limit.run('acme', held().work))).toEqual([429, expect.any(String)]);
    first.end();
    await running;
    const next = held();
    const after = limit.run('acme', next.work);
    next.end();
    await expect(after).resolves.toBe('done');
  });
});
