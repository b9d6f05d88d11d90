import { IsBoolean, IsObject, IsOptional, IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';
import { IsRfc3339Timestamp } from './timestamp';

/** Ids may hold any printable text, but no control characters (PostgreSQL text refuses NUL). */
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
const noControl = (field: string) => ({ message: `${field} must not contain control characters` });

/**
 * The canonical event (docs/CONTRACT.md §2), version 1: what ingest writes to `flowline.events`
 * once an incoming record is valid, normalised and not a duplicate.
 */
export class EventEnvelopeV1 {
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL_CHARACTERS, noControl('id'))
  id!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, noControl('tenant'))
  tenant!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, noControl('type'))
  type!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(500)
  @Matches(NO_CONTROL_CHARACTERS, noControl('subject'))
  subject!: string;

  @IsRfc3339Timestamp()
  time!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  source?: string;

  @IsOptional()
  @IsBoolean()
  test?: boolean;

  @IsObject()
  data!: Record<string, unknown>;
}

/** The event as it travels after ingest: validated fields plus when Flowline first saw it. */
export interface FlowlineEvent {
  id: string;
  tenant: string;
  type: string;
  subject: string;
  time: string;
  source?: string;
  test: boolean;
  data: Record<string, unknown>;
  /** Epoch milliseconds at which ingest accepted the event; end-to-end latency starts here. */
  ingestedAt: number;
}
