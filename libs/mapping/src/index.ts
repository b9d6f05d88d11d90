/**
 * Flowline's mapping engine (docs/CONTRACT.md §5): pure functions from (mapping, event, context) to a
 * payload or headers, plus their encodings. No Nest, no Kafka, no database.
 *
 * Where the reference documents name things differently from docs/CONTRACT.md §5, both spellings work:
 * - `minutes_watched` = `live_minutes`, `percentage_view_time` = `live_percent_viewed` (Sequel's
 *   "Advanced Configuration Example", an Event Ended payload);
 * - `questions_asked`: how many questions the person asked (the same example gives 2), next to the
 *   numbered `question_asked_N`;
 * - `question_company_name` = `question:company_name`, which finds "Company Name" (Sequel's
 *   registration field mappings); `question:` also takes a question text or a tag (Certain);
 * - `FirstName`, `firstName`, `Current Date`, `Account Code`...: the catalogue names in Certain's and
 *   Sequel's spellings (camelCase, spaces, any case);
 * - `event_code` (Certain's "Event Code");
 * - transforms `lower case`, `UPPER CASE`, `Proper Case`, `Trim`, `title`... (Certain's screen).
 */
export * from './mapping-definition';
export { renderMapping, renderPayload } from './render-mapping';
export { renderHeaders } from './render-headers';
export { DEFAULT_RENDER_LIMITS, MAX_TARGET_SEGMENTS } from './render-limits';
export type { RenderLimits } from './render-limits';
export { validateMapping, sourceProblem } from './field-validation';
export type { FieldKind } from './field-validation';
export {
  NAMED_FIELDS,
  NAMED_FIELD_NAMES,
  NAMED_FIELD_ALIASES,
  NUMBERED_FIELD_COUNT,
  ENVELOPE_FIELDS,
  QUESTION_PREFIX,
  isNamedField,
} from './named-fields';
export type { NamedFieldEntry } from './named-fields';
export { TRANSFORMS, TRANSFORM_SPELLINGS } from './transforms';
export { DEFAULT_TAG_MAX_LENGTH, slugify } from './managed-tags';
export { encodeForm, formBytesUpTo } from './form-encoding';
export { encodeBody, appendQuery, JSON_CONTENT_TYPE, FORM_CONTENT_TYPE } from './request-encoding';
export { readPath } from './json-path';
// The golden examples (reference documents' payloads), for the API's end-to-end golden tests.
export { MAPPING_GOLDEN_FIXTURES } from './fixtures';
export type { MappingGoldenFixture } from './fixtures';
