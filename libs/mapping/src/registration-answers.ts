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

type Answer = Record<string, unknown>;

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
 */
export function findAnswer(
  data: unknown,
  key: string,
  questionTags: Readonly<Record<string, readonly string[]>> | undefined,
): unknown {
  const list = readPath(data, 'registration.answers');
  if (!Array.isArray(list) || key === '') return undefined;
  const answers = list.filter(isRecord);
  const assigned =
    questionTags && Object.hasOwn(questionTags, key) && Array.isArray(questionTags[key]) ? questionTags[key] : [];
  const wanted = questionKey(key);
  const passes: Array<(answer: Answer) => boolean> = [
    (answer) => answer.question === key,
    (answer) => Array.isArray(answer.tags) && answer.tags.includes(key),
    (answer) => typeof answer.question === 'string' && assigned.includes(answer.question),
    (answer) => wanted !== '' && typeof answer.question === 'string' && questionKey(answer.question) === wanted,
  ];
  for (const matches of passes) {
    const found = answers.find(matches);
    if (found) return found.answer;
  }
  return undefined;
}
