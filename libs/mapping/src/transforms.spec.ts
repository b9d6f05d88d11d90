import { applyTransforms, transformNamed } from './transforms';
import { TransformName } from './mapping-definition';
import { applyValueMap } from './value-map';

describe('applyTransforms', () => {
  it.each<[unknown, TransformName[], unknown]>([
    ['Ada LOVELACE', ['lower'], 'ada lovelace'],
    ['Ada Lovelace', ['upper'], 'ADA LOVELACE'],
    ['ada LOVELACE', ['proper'], 'Ada Lovelace'],
    ["mary-jane o'neil", ['proper'], "Mary-Jane O'neil"],
    ["don't stop", ['proper'], "Don't Stop"],
    ['élodie ÅSTRÖM', ['proper'], 'Élodie Åström'],
    ['  two  spaces  ', ['trim'], 'two  spaces'],
    ['  jOHN ', ['proper', 'trim'], 'John'],
    ['  jOHN ', ['trim', 'upper'], 'JOHN'],
    // Order matters: lower then proper is proper; proper then lower is lower.
    ['ada', ['proper', 'lower'], 'ada'],
    // A transform makes text of a number or a boolean...
    [45, ['trim'], '45'],
    [true, ['upper'], 'TRUE'],
    // ...applies to each item of a list, and leaves objects and missing values alone.
    [
      ['a', ' B '],
      ['trim', 'upper'],
      ['A', 'B'],
    ],
    [{ a: 'x' }, ['upper'], { a: 'x' }],
    [null, ['upper'], null],
    [undefined, ['upper'], undefined],
    // No transforms: numbers stay numbers.
    [45, [], 45],
  ])('%j with %j → %j', (value, names, expected) => {
    expect(applyTransforms(value, names)).toEqual(expected);
  });
});

describe('transformNamed', () => {
  it.each<[unknown, TransformName | undefined]>([
    ['lower', 'lower'],
    ['lower case', 'lower'],
    ['lowercase', 'lower'],
    ['UPPER CASE', 'upper'],
    ['upper_case', 'upper'],
    ['Proper Case', 'proper'],
    ['title', 'proper'],
    ['Title Case', 'proper'],
    ['Trim', 'trim'],
    ['capitalize', undefined],
    [42, undefined],
  ])('%j → %j', (name, expected) => {
    expect(transformNamed(name)).toBe(expected);
  });
});

describe('applyValueMap', () => {
  const statuses = { Registered: 'registered', Attended: 'attended', 'No Show': 'no_show', '1': 'one', true: 'yes' };
  it.each<[unknown, Record<string, unknown> | undefined, unknown]>([
    ['Registered', statuses, 'registered'],
    ['No Show', statuses, 'no_show'],
    ['Cancelled', statuses, 'Cancelled'],
    ['registered', statuses, 'registered'],
    [1, statuses, 'one'],
    [true, statuses, 'yes'],
    [['Registered', 'Attended'], statuses, ['registered', 'attended']],
    ['Registered', { Registered: 1 }, 1],
    ['Registered', { Registered: null }, null],
    ['constructor', statuses, 'constructor'],
    ['toString', {}, 'toString'],
    [{ a: 1 }, statuses, { a: 1 }],
    ['Registered', undefined, 'Registered'],
  ])('%j → %j', (value, map, expected) => {
    expect(applyValueMap(value, map)).toEqual(expected);
  });
});
