import { BadRequestException, Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { FlowlineEnv } from '@flowline/config';
import { isSesamyStyle, messageKey, parseEventObject, Topic, TopicNames } from '@flowline/contracts';
import { FlowlineProducer } from '@flowline/kafka';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ANY_EVENT_SCHEMA } from '../common/event-schema';
import { ApiErrors, BODY_ERRORS } from '../common/openapi';

const MAX_EVENTS_PER_REQUEST = 500;

/** What `POST /events` answers: every event was produced to the ingest topic. */
export class EventsAcceptedDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_EVENTS_PER_REQUEST }) accepted!: number;
  @ApiProperty({ type: [String], description: 'the ids of the events, in order' }) ids!: string[];
}

/**
 * The event as the key's tenant sends it: an event may leave its tenant out (the API key names
 * it), but not name another one. A Sesamy-style envelope names its tenant `vendorId`; adding a
 * `tenant` would make it look canonical, so it gets a `vendorId` instead.
 */
function withTenant(tenant: string, item: unknown): unknown {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const record = item as Record<string, unknown>;
  return isSesamyStyle(record) ? { vendorId: tenant, ...record } : { tenant, ...record };
}

/**
 * `POST /events` (docs/CONTRACT.md §2): the HTTP door to the ingest topic. Events are checked here so
 * the caller learns at once what is wrong; all or none of a request's events are produced.
 */
@ApiTags('events')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('events')
export class EventsController {
  constructor(
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Produce one event or an array of at most 500 to the ingest topic' })
  @ApiBody({
    schema: {
      oneOf: [
        ANY_EVENT_SCHEMA,
        { type: 'array', items: ANY_EVENT_SCHEMA, minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST },
      ],
    },
  })
  @ApiAcceptedResponse({ type: EventsAcceptedDto, description: 'all were produced (all or none)' })
  @ApiErrors([...BODY_ERRORS, 401], {
    400: { description: 'an event is invalid or names another tenant: `message` lists every problem, by index' },
  })
  async produce(@CurrentTenant() tenant: string, @Body() body: unknown): Promise<{ accepted: number; ids: string[] }> {
    const items: unknown[] = Array.isArray(body) ? body : body === undefined ? [] : [body];
    if (items.length === 0) throw new BadRequestException(['send an event object or a non-empty array of events']);
    if (items.length > MAX_EVENTS_PER_REQUEST) {
      throw new BadRequestException([`at most ${MAX_EVENTS_PER_REQUEST} events per request, got ${items.length}`]);
    }
    const problems: string[] = [];
    const maxBytes = this.config.FLOWLINE_MAX_EVENT_BYTES;
    const events = items.map((item, index) => {
      const candidate = withTenant(tenant, item);
      const parsed = parseEventObject(candidate, Date.now());
      const prefix = Array.isArray(body) ? `[${index}] ` : '';
      // Ingest would send a larger event to the invalid topic: the caller learns it now instead.
      const bytes = Buffer.byteLength(JSON.stringify(candidate));
      if (bytes > maxBytes) problems.push(`${prefix}event is ${bytes} bytes, over the limit of ${maxBytes} bytes`);
      else if (!parsed.ok) problems.push(`${prefix}${parsed.reason}`);
      else if (parsed.event.tenant !== tenant) problems.push(`${prefix}tenant must be your own tenant (${tenant})`);
      return parsed.ok && bytes <= maxBytes ? { candidate, event: parsed.event } : undefined;
    });
    if (problems.length > 0) throw new BadRequestException(problems);
    const accepted = events.filter((entry) => entry !== undefined);
    // The original object goes to the ingest topic, as an upstream producer would send it;
    // ingest normalises and de-duplicates it like any other record.
    await this.producer.send(
      accepted.map(({ candidate, event }) => ({
        topic: this.topics.of(Topic.Ingest),
        key: messageKey(event.tenant, event.subject),
        value: candidate,
        type: 'ingest-event',
      })),
    );
    return { accepted: accepted.length, ids: accepted.map(({ event }) => event.id) };
  }
}
