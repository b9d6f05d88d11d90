import type { SchemaObject } from '@nestjs/swagger';
import { DATE_TIME } from './openapi';

/** 1 to `max` characters, none a control character (the envelope's ids refuse them). */
const noControlCharacters = (max: number) => `^[^\\u0000-\\u001f\\u007f]{1,${max}}$`;

/**
 * One event as producers send it (docs/CONTRACT.md §2, `EventEnvelopeV1`), for the OpenAPI document.
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
  description: 'an event (docs/CONTRACT.md §2); `tenant` defaults to the key\u2019s tenant and may not name another',
};

/**
 * A Sesamy-style envelope (reference 003): no `tenant`; `vendorId` may be left out (the API key
 * names it) but not name another tenant; every other field becomes the event's data, and the id
 * is derived from the content when `id` is left out.
 */
export const SESAMY_EVENT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['eventType', 'userId', 'occured_at'],
  not: { required: ['tenant'] },
  properties: {
    eventType: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: noControlCharacters(200),
      example: 'subscription.started',
    },
    userId: { type: 'string', minLength: 1, maxLength: 500, pattern: noControlCharacters(500), example: 'user_42' },
    occured_at: DATE_TIME,
    id: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: noControlCharacters(200),
      nullable: true,
      description: 'derived from the content when absent or null',
    },
    source: { type: 'string', maxLength: 200, example: 'sesamy', nullable: true },
    test: { type: 'boolean', default: false, nullable: true },
  },
  additionalProperties: true,
  description: 'a Sesamy-style event (reference 003); `vendorId` defaults to the key\u2019s tenant',
};

/** What `POST /events` takes for one event: either envelope. */
export const ANY_EVENT_SCHEMA: SchemaObject = { anyOf: [EVENT_SCHEMA, SESAMY_EVENT_SCHEMA] };
