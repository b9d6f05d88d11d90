import { actionId, type FlowlineEvent } from '@flowline/contracts';
import type { ConsumedRecord } from '@flowline/kafka';
import { isRunnable, parseFlow, type RunnableFlow, TagIndex } from '@flowline/matching';
import { replayChunk, type ReplayScope } from './replay-chunk';

const FROM = Date.UTC(2025, 0, 10, 9, 0);
const TO = Date.UTC(2025, 0, 10, 10, 0);

const flow = ((): RunnableFlow => {
  const parsed = parseFlow({
    id: '00000000-0000-0000-0000-000000000001',
    tenantId: 'acme',
    name: 'to CRM',
    live: true,
    // Replays run a flow as configured, even an inactive one: the runner marks it active.
    active: true,
    source: { types: ['registration.created'] },
    activateFor: {},
    filters: [],
    connectionId: 'conn-1',
    payloadMappingId: 'map-1',
    headerMappingId: null,
  });
  if (!isRunnable(parsed)) throw new Error('fixture flow must be runnable');
  return parsed;
})();

const event = (overrides: Partial<FlowlineEvent> = {}): FlowlineEvent => ({
  id: 'evt-1',
  tenant: 'acme',
  type: 'registration.created',
  subject: 'att-1',
  time: '2025-01-01T00:00:00Z',
  test: false,
  data: {},
  ingestedAt: FROM,
  ...overrides,
});

const record = (value: unknown, timestamp = FROM + 1000): ConsumedRecord => ({
  topic: 'flowline.events',
  partition: 0,
  offset: '0',
  key: 'acme:att-1',
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: {},
  timestamp,
});

const scope = (overrides: Partial<ReplayScope> = {}): ReplayScope => ({
  tenant: 'acme',
  from: FROM,
  to: TO,
  eventId: null,
  ...overrides,
});

describe('replayChunk', () => {
  it.each([
    ['an event of the period', [record(event())], scope(), 1, ['evt-1']],
    ['an event stamped at `from` (inclusive)', [record(event(), FROM)], scope(), 1, ['evt-1']],
    ['an event stamped at `to` (exclusive)', [record(event(), TO)], scope(), 0, []],
    ['an event stamped before the period', [record(event(), FROM - 1)], scope(), 0, []],
    ['another tenant’s event, neither read nor acted on', [record(event({ tenant: 'other' }))], scope(), 0, []],
    ['a record that is not an event', [record('not json')], scope(), 0, []],
    ['an event the flow does not take', [record(event({ type: 'registration.updated' }))], scope(), 1, []],
    [
      'only the asked event of the period',
      [record(event({ id: 'evt-1' })), record(event({ id: 'evt-2' }))],
      scope({ eventId: 'evt-2' }),
      2,
      ['evt-2'],
    ],
  ])('%s', (_name, records, replayScope, eventsRead, actedOn) => {
    const result = replayChunk(records, replayScope, flow, TagIndex.EMPTY, 'flowline.actions');
    expect(result.eventsRead).toBe(eventsRead);
    expect(result.actions.map((action) => (action.value as { id: string }).id)).toEqual(
      actedOn.map((id) => actionId('acme', id, `flow:${flow.id}`)),
    );
    for (const action of result.actions) expect(action).toMatchObject({ topic: 'flowline.actions', key: 'acme:att-1' });
  });
});
