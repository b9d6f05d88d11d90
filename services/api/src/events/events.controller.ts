import { BadRequestException, Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { messageKey, parseEventObject, Topic, TopicNames } from '@flowline/contracts';
import { FlowlineProducer } from '@flowline/kafka';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { EVENT_SCHEMA } from '../common/event-schema';
import { ApiErrors, BODY_ERRORS } from '../common/openapi';

const MAX_EVENTS_PER_REQUEST = 500;

/** What `POST /events` answers: every event was produced to the ingest topic. */
export class EventsAcceptedDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_EVENTS_PER_REQUEST }) accepted!: number;
  @ApiProperty({ type: [String], description: 'the ids of the events, in order' }) ids!: string[];
}

/**
 * `POST /events` (CONTRACT §2): the HTTP door to the ingest topic. Events are checked here so
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
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Produce one event or an array of at most 500 to the ingest topic' })
  @ApiBody({
    schema: {
      oneOf: [EVENT_SCHEMA, { type: 'array', items: EVENT_SCHEMA, minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }],
    },
  })
  @ApiAcceptedResponse({ type: EventsAcceptedDto, description: 'all were produced (all or none)' })
  @ApiErrors([...BODY_ERRORS, 401], {
    400: { description: 'an event is invalid or names another tenant: `message` lists every problem, by index' },
  })
  async produce(@CurrentTenant() tenant: string, @Body() body: unknown): Promise<{ accepted: number; ids: string[] }> {
    const items: unknown[] = Array.isArray(body) ? body : [body];
    if (items.length === 0) throw new BadRequestException(['send an event object or a non-empty array of events']);
    if (items.length > MAX_EVENTS_PER_REQUEST) {
      throw new BadRequestException([`at most ${MAX_EVENTS_PER_REQUEST} events per request, got ${items.length}`]);
    }
    const problems: string[] = [];
    const events = items.map((item, index) => {
      // The API key names the tenant: an event may leave it out, but not name another one.
      const candidate = typeof item === 'object' && item !== null && !Array.isArray(item) ? { tenant, ...item } : item;
      const parsed = parseEventObject(candidate, Date.now());
      const prefix = Array.isArray(body) ? `[${index}] ` : '';
      if (!parsed.ok) problems.push(`${prefix}${parsed.reason}`);
      else if (parsed.event.tenant !== tenant) problems.push(`${prefix}tenant must be your own tenant (${tenant})`);
      return parsed.ok ? { candidate, event: parsed.event } : undefined;
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
