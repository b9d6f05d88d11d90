import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

/** The path of `DELETE /subjects/{subject}`: a subject as events carry it (docs/CONTRACT.md §2: 1–500 characters). */
export class SubjectParamDto {
  @ApiProperty({
    description: 'The subject (attendee, lead or user id) as events carry it; URL-encode it.',
    example: 'att-42',
    minLength: 1,
    maxLength: 500,
  })
  @IsString()
  @Length(1, 500)
  // Events refuse control characters in a subject, so no stored subject has one.
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'subject must not contain control characters' })
  subject!: string;
}

/** How many records of each class an erasure removed. */
export class ErasureCountsDto {
  @ApiProperty({
    description: 'Deliveries of the subject: the activity feed rows, with their stored records and bodies.',
  })
  deliveries!: number;

  @ApiProperty({ description: "Attempts of those deliveries, with their errors and receivers' response excerpts." })
  delivery_attempts!: number;

  @ApiProperty({ description: "The subject's partial progress (and fired latches) per sequence trigger." })
  sequence_state!: number;

  @ApiProperty({ description: 'Completed sequences of the subject (`GET /sequence-events`).' })
  sequence_events!: number;

  @ApiProperty({ description: "The subject's event ids in the dedupe horizon: an event sent again is accepted again." })
  dedupe_entries!: number;

  @ApiProperty({
    description:
      "Hours of insights that counted the subject among unique registrations. The subject's key there is " +
      'replaced by a random one: the figures stay as they were, nothing links them to the subject.',
  })
  insights_subject_keys!: number;

  @ApiProperty({ description: "Replays of one event of the subject: the event id is replaced by 'erased'." })
  replays_redacted!: number;
}

/** What `DELETE /subjects/{subject}` answers: the audit row written, and the counts. */
export class ErasureDto {
  @ApiProperty({ format: 'uuid', description: 'Id of the audit row (which holds no personal data).' })
  id!: string;

  @ApiProperty({ example: '2025-01-10T09:00:00.000Z' })
  erased_at!: string;

  @ApiProperty({ type: ErasureCountsDto })
  counts!: ErasureCountsDto;
}
