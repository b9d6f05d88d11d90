import fc from 'fast-check';
import { isRecord, readPath } from './json-path';
import { findAnswer, questionKey } from './registration-answers';

/** The rule as it reads: each way of finding an answer in turn, looking through every answer. */
function lookedThrough(data: unknown, key: string, questionTags: Record<string, string[]> | undefined): unknown {
  const list = readPath(data, 'registration.answers');
  if (!Array.isArray(list) || key === '') return undefined;
  const answers = list.filter(isRecord);
  const assigned = questionTags && Object.hasOwn(questionTags, key) ? questionTags[key]! : [];
  const wanted = questionKey(key);
  const passes: Array<(answer: Record<string, unknown>) => boolean> = [
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

describe('findAnswer', () => {
  // Texts that meet each other by exact text, by tag and by snake_case.
  const text = fc.constantFrom(
    'Company Name',
    'company_name',
    'company-name',
    'Company',
    'crm',
    'Rôle',
    'role',
    '',
    ' ',
  );
  const answer = fc.oneof(
    fc.record(
      {
        question: fc.oneof(text, fc.constant(7)),
        answer: fc.oneof(fc.string({ maxLength: 3 }), fc.constant(undefined)),
        tags: fc.oneof(fc.array(fc.oneof(text, fc.constant(1)), { maxLength: 3 }), fc.constant('crm')),
      },
      { requiredKeys: [] },
    ),
    fc.constantFrom(null, 'loose', 3),
  );
  const data = fc.array(answer, { maxLength: 8 }).map((answers) => ({ registration: { answers } }));
  const questionTags = fc.option(fc.dictionary(text, fc.array(text, { maxLength: 3 })), { nil: undefined });

  it('finds what looking through every answer in turn finds', () => {
    fc.assert(
      fc.property(data, text, questionTags, (event, key, tags) => {
        expect(findAnswer(event, key, tags)).toEqual(lookedThrough(event, key, tags));
      }),
      { numRuns: 5000 },
    );
  });

  it("reads an event's answers once however many fields look them up", () => {
    let reads = 0;
    const answers = new Proxy(
      Array.from({ length: 1_000 }, (_, i) => ({ question: `Question number ${i}?`, answer: `a${i}` })),
      {
        get(target, property, receiver) {
          if (typeof property === 'string' && /^\d+$/.test(property)) reads += 1;
          return Reflect.get(target, property, receiver) as unknown;
        },
      },
    );
    const event = { registration: { answers } };
    // Searched for each field, 1,000 lookups read the answers a million times (25 s an action
    // with thousands of fields).
    for (let i = 0; i < 1_000; i += 1) expect(findAnswer(event, 'nope', undefined)).toBeUndefined();
    expect(findAnswer(event, 'question_number_999', undefined)).toBe('a999');
    expect(reads).toBeLessThanOrEqual(1_000);
  });
});
