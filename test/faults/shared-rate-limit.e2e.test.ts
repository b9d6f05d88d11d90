import { busiestSecond, FaultCluster, FaultTenant, until } from './fault-harness';

/** The steady load beside the limited connection: 20,000 events for 1,000 subjects. */
const LOAD_EVENTS = 20_000;
const LOAD_SUBJECTS = 1_000;
/** The connection limited to 50 requests a second and 4 at once, across three dispatchers. */
const RATE = 50;
const MAX_IN_FLIGHT = 4;
const LIMITED_EVENTS = 1_000;
const LIMITED_SUBJECTS = 200;

/**
 * Issue 11 §5 and §8's last scenario: a connection's `rate_limit_per_s` and `max_in_flight` hold
 * for three dispatcher processes together, measured at its receiver, while an unlimited tenant's
 * 20,000 events flow beside it. The services run as separate processes on the three-broker
 * cluster: two processes of ingest, flow evaluator, sequence detector and mapper, three of the
 * dispatcher.
 */
describe('three dispatchers and a connection limited to 50/s', () => {
  const cluster = new FaultCluster();
  const load = new FaultTenant(LOAD_EVENTS, LOAD_SUBJECTS, {});
  // The receiver takes 50 ms per request, so requests overlap and max_in_flight has work to do.
  const limited = new FaultTenant(
    LIMITED_EVENTS,
    LIMITED_SUBJECTS,
    { rate_limit_per_s: RATE, max_in_flight: MAX_IN_FLIGHT, retry_schedule_s: [1, 1, 1], max_retries: 10 },
    () => ({ status: 200, delayMs: 50 }),
  );

  beforeAll(async () => {
    await cluster.open();
    await load.start(cluster.dataSource);
    await limited.start(cluster.dataSource);
  });

  afterAll(async () => {
    await cluster.close();
    await load.stop(cluster.dataSource);
    await limited.stop(cluster.dataSource);
    await cluster.dataSource?.destroy();
  });

  it('never lets the receiver see more than 55 requests in a second, nor more than max_in_flight at once', async () => {
    const started = Date.now();
    // One after the other: the first creates the topics.
    for (let replica = 0; replica < 2; replica += 1)
      await cluster.start('ingest,flow-evaluator,sequence-detector,mapper');
    for (let replica = 0; replica < 3; replica += 1) await cluster.start('dispatcher');
    const booted = Date.now();

    // One client, one after the other (its producer is made by the first send).
    await limited.produce(cluster.kafka, cluster.topics);
    await load.produce(cluster.kafka, cluster.topics);
    await until(
      () => `${load.accepted} of ${LOAD_EVENTS} and ${limited.accepted} of ${LIMITED_EVENTS} webhook-ids accepted`,
      () => load.accepted === LOAD_EVENTS && limited.accepted === LIMITED_EVENTS,
      360_000,
    );
    const delivered = Date.now();

    const busiest = busiestSecond(
      limited.receiver.requests.map((request) => request.receivedAt),
      1_000,
    );
    const figures = {
      scenario: 'shared rate limit, three dispatchers',
      events: LOAD_EVENTS + LIMITED_EVENTS,
      bootMs: booted - started,
      deliveryMs: delivered - booted,
      limitedRequests: limited.receiver.requests.length,
      limitedBusiestSecond: busiest,
      limitedMaxInFlight: limited.receiver.maxInFlight,
      limitedSpanS: spanS(limited.receiver.requests.map((request) => request.receivedAt)),
      load: load.account(),
      limited: limited.account(),
    };
    process.stdout.write(`fault scenario figures: ${JSON.stringify(figures)}\n`);

    expect(busiest).toBeLessThanOrEqual(55);
    expect(limited.receiver.maxInFlight).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    for (const tenant of [load, limited]) {
      const account = tenant.account();
      expect(account.accepted).toBe(tenant.events);
      expect(account.differingBodies).toEqual([]);
      expect(account.outOfOrderSubjects).toEqual([]);
    }
    expect(await cluster.deadLetters([load.id, limited.id])).toBe(0);
    // Nothing stuck in PostgreSQL: every delivery row is settled as succeeded.
    await until(
      () => 'every delivery row succeeded',
      async () => {
        const [a, b] = await Promise.all([cluster.statusCounts(load.id), cluster.statusCounts(limited.id)]);
        return (
          a.succeeded === LOAD_EVENTS &&
          Object.keys(a).length === 1 &&
          b.succeeded === LIMITED_EVENTS &&
          Object.keys(b).length === 1
        );
      },
      30_000,
    );
  }, 600_000);
});

function spanS(times: readonly number[]): number {
  return times.length === 0 ? 0 : (Math.max(...times) - Math.min(...times)) / 1000;
}
