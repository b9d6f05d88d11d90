import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { FlowlineEnv } from '@flowline/config';
import {
  actionId,
  ActionV1,
  decodeEvent,
  FlowlineEvent,
  messageKey,
  tenantsOfKey,
  Topic,
  TopicNames,
} from '@flowline/contracts';
import { Completion, leadKey, SequenceStateRepository, StateChange, StoredCompletion } from '@flowline/db';
import { ConsumedRecord, FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { LeadSequenceState, stepSequence } from '@flowline/matching';
import { FlowlineMetrics } from '@flowline/observability';
import { LOGGER } from '@flowline/runtime';
import { SequenceCatalog, SequenceIndex } from './sequence-catalog';

/**
 * The sequence detector's use case. For a chunk of events: load the progress of every
 * (sequence, lead) they touch, step the pure matcher, write new progress and completions in one
 * transaction, then produce an action per completion and flag it produced.
 *
 * Exactly one firing per lead and sequence comes from three things: the matcher's latch in the
 * stored state, a unique (sequence, lead) on completions, and stepping being idempotent for an
 * event already in the state, so a chunk consumed again after a crash changes nothing.
 */
/** No chunk for this long: the detector has consumed everything there is. */
const IDLE_MS = 10_000;

@Injectable()
export class DetectSequences {
  /** Newest append time (≈ ingestion) of the events consumed, and when the last chunk came. */
  private consumedThrough = 0;
  private lastChunkAt = 0;
  private readonly startedAt = Date.now();

  constructor(
    @Inject(SequenceCatalog) private readonly catalog: SequenceCatalog,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(SequenceStateRepository) private readonly states: SequenceStateRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * The time partial progress may be expired against: how far the event stream has been
   * consumed, not the wall clock. After downtime the backlog is old; expiring by the wall clock
   * would drop progress whose completing events are still in it. A detector that has had
   * nothing to consume for `IDLE_MS` is caught up, and the wall clock is the stream's time.
   * Undefined until that is known (just started, backlog not yet read).
   */
  streamTime(now = Date.now()): number | undefined {
    if (now - Math.max(this.lastChunkAt, this.startedAt) > IDLE_MS) return now;
    return this.lastChunkAt === 0 ? undefined : this.consumedThrough;
  }

  async execute(records: ConsumedRecord[]): Promise<void> {
    this.lastChunkAt = Date.now();
    for (const record of records) this.consumedThrough = Math.max(this.consumedThrough, record.timestamp);
    const started = performance.now();
    const index = this.catalog.index();
    const work: Array<{ event: FlowlineEvent; sequenceIds: string[] }> = [];
    for (const record of records) {
      // Most tenants have no trigger: their events are passed over undecoded (the key names the tenant).
      if (record.key !== null && !tenantsOfKey(record.key).some((tenant) => index.watchesAny(tenant))) continue;
      const decoded = decodeEvent(record.value);
      // Undecodable events are dead-lettered by the flow evaluator, which reads the same topic.
      if (!decoded.ok) continue;
      // A test event (a test registration) never moves a sequence: a trigger has no test mode,
      // and would email sales or call a CRM for it, as only a test flow may (docs/CONTRACT.md §6).
      if (decoded.value.test) continue;
      const watching = index.watching(decoded.value.tenant, decoded.value.type);
      if (watching.length > 0)
        work.push({ event: decoded.value, sequenceIds: watching.map((entry) => entry.definition.id) });
    }
    if (work.length === 0) return;

    const keys = work.flatMap(({ event, sequenceIds }) =>
      sequenceIds.map((sequenceId) => ({ sequenceId, lead: event.subject })),
    );
    const states = (await this.states.load(keys)) as Map<string, LeadSequenceState | undefined>;
    const changed = new Map<string, StateChange>();
    const completions: Completion[] = [];
    const lateness = { allowedLatenessMs: this.config.FLOWLINE_SEQUENCE_LATENESS_S * 1000 };
    for (const { event, sequenceIds } of work) {
      for (const sequenceId of sequenceIds) {
        const entry = index.get(sequenceId)!;
        const key = leadKey({ sequenceId, lead: event.subject });
        const state = states.get(key);
        const step = stepSequence(
          entry.definition,
          state,
          { id: event.id, type: event.type, time: event.time },
          lateness,
        );
        if (step.kind === 'late') {
          this.metrics.sequenceLateEvents.inc();
          this.logger.warn(
            { sequenceId, eventId: event.id, time: event.time },
            'event later than the allowed lateness',
          );
        }
        if (step.kind === 'ignored') continue;
        states.set(key, step.state);
        changed.set(key, { sequenceId, lead: event.subject, tenant: event.tenant, state: step.state });
        if (step.kind === 'fired') {
          completions.push({
            sequenceId,
            lead: event.subject,
            tenant: event.tenant,
            events: step.events.map((fired) => ({ id: fired.id, event_type: fired.type, created_at: fired.time })),
          });
        }
      }
    }
    const recorded = await this.states.apply([...changed.values()], completions);
    await this.produce(index, recorded);
    this.metrics.sequenceMatches.inc(recorded.length);
    this.metrics.sequenceEvaluationDuration.observe((performance.now() - started) / 1000);
  }

  /** Produces the actions of recorded completions, then flags them (also used to catch up after a crash). */
  async produce(index: SequenceIndex, completions: StoredCompletion[]): Promise<void> {
    const actions: OutgoingMessage[] = [];
    for (const completion of completions) {
      const entry = index.get(completion.sequenceId);
      // Only a trigger with a webhook_url or emails has something to deliver; a completion is recorded either way.
      if (!entry || (!entry.row.webhookUrl && entry.row.emails.length === 0)) continue;
      actions.push({
        topic: this.topics.of(Topic.Actions),
        key: messageKey(completion.tenant, completion.lead),
        value: sequenceAction(completion, entry.row),
        type: 'action',
      });
    }
    await this.producer.send(actions);
    this.metrics.actionsTriggered.labels('sequence').inc(actions.length);
    await this.states.markProduced(completions.map((completion) => completion.id));
  }
}

/** The action of a completion, built only from what is stored, so a catch-up produces the same one. */
export function sequenceAction(completion: StoredCompletion, row: SequenceIndexRow): ActionV1 {
  const last = completion.events[completion.events.length - 1]!;
  const event: FlowlineEvent = {
    id: last.id,
    tenant: completion.tenant,
    type: last.event_type,
    subject: completion.lead,
    time: last.created_at,
    test: false,
    data: {},
    // When the sequence completed, not the last event's own time (which may be days earlier):
    // end-to-end latency is measured from here. Stored, so a catch-up produces the same action.
    ingestedAt: completion.completedAt,
  };
  return {
    v: 1,
    id: actionId(completion.tenant, `lead:${completion.lead}`, `sequence:${completion.sequenceId}`),
    tenant: completion.tenant,
    subject: completion.lead,
    kind: 'sequence',
    sequenceId: completion.sequenceId,
    event,
    sequence: {
      name: row.name,
      eventTypes: row.eventTypes,
      events: completion.events,
      emails: row.emails,
      ...(row.webhookUrl ? { webhookUrl: row.webhookUrl } : {}),
      ...(row.emailSubject ? { emailSubject: row.emailSubject } : {}),
      ...(row.emailPreheader ? { emailPreheader: row.emailPreheader } : {}),
      ...(row.emailMessage ? { emailMessage: row.emailMessage } : {}),
    },
  };
}

type SequenceIndexRow = NonNullable<ReturnType<SequenceIndex['get']>>['row'];
