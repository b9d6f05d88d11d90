import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsRfc3339Timestamp } from '@flowline/contracts';
import { IsInt, IsOptional, Max, Min, registerDecorator, ValidationArguments } from 'class-validator';
import { DATE_TIME, schemaOf } from '../common/openapi';
import { DecimalInteger, IsAfterFrom } from '../common/validators';

/** The longest period `GET /events` reads: a week of the event log. */
export const MAX_EVENTS_PERIOD_MS = 7 * 24 * 3_600_000;
/** The period when `from` is left out: the day before `to`. */
export const DEFAULT_EVENTS_PERIOD_MS = 24 * 3_600_000;
export const DEFAULT_EVENTS_LIMIT = 20;
export const MAX_EVENTS_LIMIT = 100;

/**
 * `from` is at most a week before `to` (now when `to` is left out), and before it when `to` is
 * left out (when both are given, `IsAfterFrom` says so). A value that is no timestamp is
 * reported by its own check.
 */
function IsWithinEventsPeriod() {
  const problem = (from: unknown, to: unknown): string | undefined => {
    if (typeof from !== 'string' || (to !== undefined && typeof to !== 'string')) return undefined;
    const start = Date.parse(from);
    const end = to === undefined ? Date.now() : Date.parse(to);
    if (Number.isNaN(start) || Number.isNaN(end)) return undefined;
    if (to === undefined && start >= end) return 'from must be in the past when to is left out (to is then now)';
    if (end - start > MAX_EVENTS_PERIOD_MS)
      return `from must be at most 7 days before ${to === undefined ? 'now (to left out)' : 'to'}: the period spans ${((end - start) / 86_400_000).toFixed(1)} days`;
    return undefined;
  };
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'isWithinEventsPeriod',
      target: object.constructor,
      propertyName,
      options: {
        message: (args: ValidationArguments) =>
          problem(args.value, (args.object as { to?: unknown }).to) ?? 'from is not a valid start',
      },
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          problem(value, (args.object as { to?: unknown }).to) === undefined,
      },
    });
  };
}

/** `GET /events`: a period of the event log (at most 7 days) and how many events. */
export class EventsQueryDto {
  @ApiPropertyOptional(
    schemaOf({
      ...DATE_TIME,
      description:
        'start of the period (event log time, inclusive), at most 7 days before `to`; default: a day before `to`',
    }),
  )
  @IsOptional()
  @IsRfc3339Timestamp()
  @IsWithinEventsPeriod()
  from?: string;

  @ApiPropertyOptional(
    schemaOf({ ...DATE_TIME, description: 'end of the period (exclusive), after `from`; default: now' }),
  )
  @IsOptional()
  @IsRfc3339Timestamp()
  @IsAfterFrom()
  to?: string;

  @ApiPropertyOptional({ type: 'integer', default: DEFAULT_EVENTS_LIMIT, minimum: 1, maximum: MAX_EVENTS_LIMIT })
  @IsOptional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_EVENTS_LIMIT)
  limit?: number;
}

/** One event of the tenant as the event log holds it (docs/CONTRACT.md §2), ready to paste into a preview. */
export class RecentEventDto {
  @ApiProperty({ example: 'evt-001' }) id!: string;
  @ApiProperty({ example: 'registration.created' }) type!: string;
  @ApiProperty({ example: 'att_123' }) subject!: string;
  @ApiProperty({ format: 'date-time', description: 'the event’s own time, as its producer sent it' }) time!: string;
  @ApiProperty({ type: 'string', nullable: true }) source!: string | null;
  @ApiProperty() test!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time', description: 'when the event log received it (the period is of this time)' })
  received_at!: string;
}

/** How much of the period's event log the answer read, and why it stopped if it did not read it all. */
export class EventScanDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'records of every tenant read from the event log' })
  records_scanned!: number;

  @ApiProperty({ description: 'true when every record of the period was read' })
  complete!: boolean;

  @ApiProperty({
    type: 'string',
    enum: ['record_limit', 'time_limit', null],
    nullable: true,
    description:
      '`record_limit`: the period holds more records than one answer reads, so only the newest of each partition were; `time_limit`: reading took too long; null: complete',
  })
  stopped_early!: 'record_limit' | 'time_limit' | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description:
      'when stopped at the record limit: events received before this time may be missing (ask again with `to` set to it to read further back); null otherwise',
  })
  unread_before!: string | null;
}

/** What `GET /events` answers. */
export class EventListDto {
  @ApiProperty({ format: 'date-time', description: 'start of the period read (inclusive)' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'end of the period read (exclusive)' }) to!: string;

  @ApiProperty({ type: RecentEventDto, isArray: true, description: 'the tenant’s events, newest first' })
  events!: RecentEventDto[];

  @ApiProperty({
    description: 'true when the records read held more of the tenant’s events than are listed (limit or answer size)',
  })
  more!: boolean;

  @ApiProperty({ type: EventScanDto }) scan!: EventScanDto;
}
