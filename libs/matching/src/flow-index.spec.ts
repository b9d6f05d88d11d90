import { FlowlineEvent } from '@flowline/contracts';
import { FlowDefinition } from './flow-definition';
import { FlowIndex } from './flow-index';

const destination = { connectionId: 'c', payloadMappingId: 'm' };
const flow = (overrides: Partial<FlowDefinition>): FlowDefinition => ({
  id: 'f1',
  tenant: 'acme',
  name: 'f',
  live: true,
  active: true,
  types: ['registration.created'],
  destination,
  ...overrides,
});
const event = (overrides: Partial<FlowlineEvent> = {}): FlowlineEvent => ({
  id: 'e',
  tenant: 'acme',
  type: 'registration.created',
  subject: 's',
  time: '2025-01-01T00:00:00Z',
  test: false,
  data: {},
  ingestedAt: 0,
  ...overrides,
});

describe('FlowIndex', () => {
  it('matches active live flows of the tenant that watch the type', () => {
    const index = new FlowIndex([
      flow({ id: 'a' }),
      flow({ id: 'b', types: ['event.ended'] }),
      flow({ id: 'c', tenant: 'other' }),
    ]);
    expect(index.match(event()).matched.map((f) => f.id)).toEqual(['a']);
  });

  it('keeps live flows for real events and test flows for test events', () => {
    const index = new FlowIndex([flow({ id: 'live' }), flow({ id: 'test', live: false })]);
    expect(index.match(event()).matched.map((f) => f.id)).toEqual(['live']);
    expect(index.match(event({ test: true })).matched.map((f) => f.id)).toEqual(['test']);
  });

  it('says why nothing was triggered', () => {
    expect(new FlowIndex([]).match(event()).notTriggered).toBe('source');
    expect(new FlowIndex([flow({ active: false })]).match(event()).notTriggered).toBe('inactive');
    expect(new FlowIndex([flow({ destination: null })]).match(event()).notTriggered).toBe('inactive');
    expect(new FlowIndex([flow({ live: false })]).match(event()).notTriggered).toBe('mode');
  });
});
