import type { SchemaObject } from '@nestjs/swagger';
import { DATE_TIME } from './openapi';

/** 1 to `max` characters, none a control character (the envelope's ids refuse them). */
const noControlCharacters = (max: number) => `^[^\\u0000-\\u001f\\u007f]{1,${max}}$`;

/**
 * One event as producers send it (CONTRACT §2, `EventEnvelopeV1`), for the OpenAPI document.
 * `tenant` may be left out: the API key names it (`POST /events` refuses another tenant's).
 */
export const EVENT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['id', 'type', 'subject', 'time', 'data'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200, pattern: noControlCharacters(200), example: 'evt-001' },
    type: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: noControlCharacters(200),
      example: 'registration.created',
    },
    subject: { type: 'string', minLength: 1, maxLength: 500, pattern: noControlCharacters(500), example: 'att_123' },
    time: DATE_TIME,
    source: { type: 'string', maxLength: 200, example: 'sequel', nullable: true },
    test: { type: 'boolean', default: false, nullable: true },
    data: {
      type: 'object',
      additionalProperties: true,
      example: { profile: { first_name: 'John', email: 'john.doe@example.com' } },
    },
  },
  description: 'an event (CONTRACT §2); `tenant` defaults to the key\u2019s tenant and may not name another',
};
