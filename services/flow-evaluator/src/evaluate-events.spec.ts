import {
  actionId,
  type ActionV1,
  type FlowActionV1,
  type FlowlineEvent,
  messageKey,
  TopicNames,
} from '@flowline/contracts';
import type { ConfigRows, FlowEntity, InsightsTally, TagAssignmentEntity } from '@flowline/db';
import type { ConsumedRecord, FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { buildFlowIndex, type FlowIndex } from '@flowline/matching';
import { FlowlineMetrics } from '@flowline/observability';
import { EvaluateEvents } from './evaluate-events';
import type { FlowCatalog } from './flow-catalog';

/** A flows row as the repository returns it (plain object of the entity's shape). */
const flowRow = (overrides: Partial<FlowEntity>): FlowEntity => ({
  id: '00000000-0000-0000-0000-000000000001',
  tenantId: 'acme',
  name: 'to CRM',
  live: true,
  active: true,
  source: { preset: 'registration_create_update' },
  activateFor: {},
  filters: [],
  connectionId: 'conn-1',
  payloadMappingId: 'map-1',
  headerMappingId: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...overrides,
});

const assignment = (tagName: string, object: string, value: string): TagAssignmentEntity => ({
  tenantId: 'acme',
  tagName,
  object,
  value,
});

const rows = (flows: FlowEntity[], tagAssignments: TagAssignmentEntity[] = []): ConfigRows => ({
  version: '1',
  flows,
  mappings: [],
  connections: [],
  tags: [],
  tagAssignments,
  sequences: [],
});

const event = (overrides: Partial<FlowlineEvent> = {}): FlowlineEvent => ({
  id: 'evt-1',
  tenant: 'acme',
  type: 'registration.created',
  subject: 'att-1',
  time: '2025-01-01T00:00:00Z',
  test: false,
  data: { registration: { status: 'Registered' }, profile: { position: 'CEO' } },
  ingestedAt: Date.UTC(2025, 0, 10, 9, 30),
  ...overrides,
});

const record = (value: unknown, offset = 0): ConsumedRecord => ({
  topic: 'flowline.events',
  partition: 0,
  offset: String(offset),
  key: 'acme:att-1',
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: {},
  timestamp: 0,
});

const HOUR = new Date(Date.UTC(2025, 0, 10, 9));

function harness(config: ConfigRows) {
  const index: FlowIndex = buildFlowIndex(config);
  const sent: OutgoingMessage[] = [];
  const producer = { send: (messages: OutgoingMessage[]) => Promise.resolve(void sent.push(...messages)) };
  const metrics = new FlowlineMetrics();
  const recorded: InsightsTally[][] = [];
  const insights = {
    record: (tallies: readonly InsightsTally[]) => Promise.resolve(void recorded.push([...tallies])),
  };
  const useCase = new EvaluateEvents(
    { index: () => index } as unknown as FlowCatalog,
    producer as unknown as FlowlineProducer,
    new TopicNames('flowline.'),
    metrics,
    insights,
  );
  const notTriggered = async (): Promise<Record<string, number>> => {
    const { values } = await metrics.actionsNotTriggered.get();
    return Object.fromEntries(values.map((sample) => [String(sample.labels.reason), sample.value]));
  };
  const triggered = async () => (await metrics.actionsTriggered.get()).values[0]?.value ?? 0;
  return { useCase, sent, notTriggered, triggered, recorded };
}

describe('EvaluateEvents', () => {
  it('produces one action per matching flow, in flow id order, in the ActionV1 shape', async () => {
    const { useCase, sent, triggered } = harness(
      rows([
        flowRow({ id: 'f-b', name: 'second', headerMappingId: 'hdr-1' }),
        flowRow({ id: 'f-a', name: 'first', activateFor: { registration_status: ['registered'] } }),
        flowRow({ id: 'f-c', name: 'other type', source: { types: ['event.ended'] } }),
      ]),
    );
    const e = event();
    await useCase.execute([record(e)]);

    const expected = (flowId: string, flowName: string, destination: FlowActionV1['destination']): OutgoingMessage => ({
      topic: 'flowline.actions',
      key: messageKey('acme', 'att-1'),
      type: 'action',
      value: {
        v: 1,
        id: actionId('acme', 'evt-1', `flow:${flowId}`),
        tenant: 'acme',
        subject: 'att-1',
        kind: 'flow',
        flowId,
        flowName,
        event: e,
        destination,
      } satisfies ActionV1,
    });
    // `registered` is carried by nothing and assigned to nothing: f-a needs the assignment.
    expect(sent).toEqual([
      expected('f-b', 'second', { connectionId: 'conn-1', payloadMappingId: 'map-1', headerMappingId: 'hdr-1' }),
    ]);

    const withTags = harness(
      rows(
        [
          flowRow({ id: 'f-b', name: 'second' }),
          flowRow({ id: 'f-a', name: 'first', activateFor: { registration_status: ['registered'] } }),
        ],
        [assignment('registered', 'registration_status', 'Registered')],
      ),
    );
    await withTags.useCase.execute([record(e)]);
    expect(withTags.sent).toEqual([
      expected('f-a', 'first', { connectionId: 'conn-1', payloadMappingId: 'map-1' }),
      expected('f-b', 'second', { connectionId: 'conn-1', payloadMappingId: 'map-1' }),
    ]);
    expect(await withTags.triggered()).toBe(2);
    expect(await triggered()).toBe(1);
  });

  it('counts each event that triggers nothing once, with its reason', async () => {
    const { useCase, sent, notTriggered } = harness(
      rows(
        [
          flowRow({ id: 'f1', activateFor: { registration_status: ['engaged'] } }),
          flowRow({ id: 'f2', activateFor: { registration_status: ['engaged'] } }),
          flowRow({ id: 'f3', source: { preset: 'registration_status_change' } }),
          flowRow({ id: 'f4', source: { types: ['event.ended'] }, live: false }),
          flowRow({
            id: 'f5',
            source: { types: ['event.on_demand_viewed'] },
            filters: [{ on: 'profile', field: 'position', op: 'eq', value: 'CTO' }],
          }),
          flowRow({ id: 'f6', source: { types: ['event.created'] }, activateFor: { event_status: ['published'] } }),
        ],
        [assignment('registered', 'registration_status', 'Registered')],
      ),
    );
    await useCase.execute([
      record(event({ id: 'e1' }), 1), // f1, f2: tagged, but not `engaged` → one `activation`
      record(event({ id: 'e2', type: 'registration.status_changed' }), 2), // f3 incomplete → inactive
      record(event({ id: 'e3', type: 'event.ended' }), 3), // f4 is a test flow → mode
      record(event({ id: 'e4', type: 'event.on_demand_viewed' }), 4), // f5 → filter
      record(event({ id: 'e5', type: 'event.created', data: { event: { status: 'Draft' } } }), 5), // f6 → untagged_status
      record(event({ id: 'e6', type: 'pricing_page_view' }), 6), // no flow → source
      record(event({ id: 'e7', tenant: 'other' }), 7), // other tenant → source
    ]);
    expect(sent).toEqual([]);
    expect(await notTriggered()).toEqual({
      activation: 1,
      inactive: 1,
      mode: 1,
      filter: 1,
      untagged_status: 1,
      source: 2,
    });
  });

  it('records one chunk of per-tenant insights, by hour of ingestion and live/test, in one write', async () => {
    const { useCase, recorded } = harness(
      rows(
        [
          flowRow({ id: 'f-live', activateFor: { registration_status: ['registered'] } }),
          flowRow({ id: 'f-test', live: false }),
        ],
        [assignment('registered', 'registration_status', 'Registered')],
      ),
    );
    await useCase.execute([
      record(event({ id: 'e1' }), 1), // f-live takes it
      record(event({ id: 'e2', data: { registration: { status: 'Attended' } } }), 2), // untagged status
      record(event({ id: 'e3', subject: 'att-2', test: true }), 3), // f-test takes it
      record('not json', 4), // not an event: not a change
    ]);
    const none = { inactive: 0, mode: 0, source: 0, untagged_status: 0, activation: 0, filter: 0 };
    expect(recorded).toEqual([
      [
        {
          tenant: 'acme',
          hour: HOUR,
          live: true,
          changesProcessed: 2,
          actionsTriggered: 1,
          notTriggered: { ...none, untagged_status: 1 },
          subjects: ['att-1'],
          flowIds: ['f-live'],
        },
        {
          tenant: 'acme',
          hour: HOUR,
          live: false,
          changesProcessed: 1,
          actionsTriggered: 1,
          notTriggered: none,
          subjects: ['att-2'],
          flowIds: ['f-test'],
        },
      ],
    ]);
  });

  it('sends a record that is not an event to the invalid topic, uncounted by matching', async () => {
    const { useCase, sent, notTriggered } = harness(rows([flowRow({})]));
    await useCase.execute([record('not json')]);
    expect(sent).toMatchObject([{ topic: 'flowline.events.invalid', type: 'invalid-event' }]);
    // Every reason's series exists from the start, at 0 (so rate() sees its first increment).
    expect(await notTriggered()).toEqual({
      inactive: 0,
      mode: 0,
      source: 0,
      untagged_status: 0,
      activation: 0,
      filter: 0,
    });
  });
});
