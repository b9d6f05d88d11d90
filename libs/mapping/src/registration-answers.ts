import { isRecord, readPath } from './json-path';

/** "Company Name", "company-name" and "company_name" all read `company_name`. */
export function questionKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The first answer (in the event's order) by each way of finding one, and its position. */
interface Found {
  position: number;
  answer: unknown;
}

/**
 * An event's answers indexed once: each lookup by question, tag or snake_case name is then a map
 * read. Looking through every answer for every `question:` field (normalising each question's text
 * each time) let a mapping of thousands of such fields against an event of a thousand answers take
 * seconds an action, long enough to stall the mapper's partition for every tenant on it.
 */
class AnswerIndex {
  readonly byQuestion = new Map<string, Found>();
  readonly byTag = new Map<string, Found>();
  readonly bySnakeCase = new Map<string, Found>();

  constructor(list: readonly unknown[]) {
    for (const [position, answer] of list.entries()) {
      if (!isRecord(answer)) continue;
      const found = { position, answer: answer.answer };
      if (typeof answer.question === 'string') {
        keepFirst(this.byQuestion, answer.question, found);
        keepFirst(this.bySnakeCase, questionKey(answer.question), found);
      }
      if (Array.isArray(answer.tags))
        for (const tag of answer.tags) if (typeof tag === 'string') keepFirst(this.byTag, tag, found);
    }
  }
}

function keepFirst(map: Map<string, Found>, key: string, found: Found): void {
  if (!map.has(key)) map.set(key, found);
}

/** Answers lists are indexed once per event: a rendering reads the same list for every field. */
const indexes = new WeakMap<readonly unknown[], AnswerIndex>();

function indexOf(list: readonly unknown[]): AnswerIndex {
  let index = indexes.get(list);
  if (!index) {
    index = new AnswerIndex(list);
    indexes.set(list, index);
  }
  return index;
}

/**
 * The answer to a registration question (`data.registration.answers[].{question, answer, tags}`),
 * found by `key`, which is a question's text or a tag. Certain Signal maps answers through the tag
 * applied to the question; Sequel names the question. The first of these that finds an answer wins,
 * most specific first, so a question literally called like a tag still beats the tag:
 *
 * 1. an answer whose `question` is exactly `key`;
 * 2. an answer whose own `tags` include `key` (tags the event carries, docs/CONTRACT.md §3);
 * 3. an answer whose question Flowline's assignments tag with `key` (`questionTags`);
 * 4. an answer whose question reads `key` when both are reduced to `snake_case`, which is how
 *    Sequel's `question_company_name` names "Company Name".
 *
 * Within each, the first such answer in the event's order.
 */
export function findAnswer(
  data: unknown,
  key: string,
  questionTags: Readonly<Record<string, readonly string[]>> | undefined,
): unknown {
  const list = readPath(data, 'registration.answers');
  if (!Array.isArray(list) || key === '') return undefined;
  const index = indexOf(list);
  const exact = index.byQuestion.get(key) ?? index.byTag.get(key);
  if (exact) return exact.answer;
  const assigned: readonly unknown[] =
    questionTags && Object.hasOwn(questionTags, key) && Array.isArray(questionTags[key]) ? questionTags[key] : [];
  let first: Found | undefined;
  for (const question of assigned) {
    const found = typeof question === 'string' ? index.byQuestion.get(question) : undefined;
    if (found && (!first || found.position < first.position)) first = found;
  }
  if (first) return first.answer;
  const wanted = questionKey(key);
  return wanted === '' ? undefined : index.bySnakeCase.get(wanted)?.answer;
}
