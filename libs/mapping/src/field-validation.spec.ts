import { sourceProblem, validateMapping } from './field-validation';

describe('validateMapping', () => {
  it('accepts every field shape of docs/CONTRACT.md §5', () => {
    expect(
      validateMapping({
        fields: [
          {
            target: 'contact.first_name',
            source: 'profile.first_name',
            transforms: ['proper', 'trim'],
            required: true,
          },
          { target: 'contact.email', source: 'email' },
          { target: 'id', source: '$id' },
          { target: 'company', source: 'question:Company Name', default: 'unknown' },
          { target: 'title', template: '{{profile.position}}  @ {{profile.organization}}' },
          { target: 'status', source: 'status', value_map: { Registered: 1 } },
          { target: 'data_source', value: 'sequel_integration' },
          { target: 'nothing', value: null },
          { target: 'tags', tags: { prefix: 'sesamy_tag_', from: ['profile.tags'], values: ['vip'], max_length: 99 } },
        ],
      }),
    ).toEqual([]);
  });

  it('lists every problem, each naming its field', () => {
    expect(
      validateMapping({
        fields: [
          { target: 'a', source: '' },
          { target: 'b', template: 3 },
          { target: 'c', template: '{{$nope}} and {{}}' },
          { target: 'd', tags: { prefix: 1, from: 'x', values: [{}], max_length: 0, extra: true } },
          { target: 'e', tags: {} },
          { target: 'f', value: 1, value_map: [], required: 'yes', transforms: 'lower' },
          { target: 'g', value: 1, valueMap: {} },
          { target: 'h', source: 'question:' },
          { target: 'i', source: 'a..b' },
          { target: 'x', value: 1 },
          { target: 'x', value: 2 },
          { target: 'x.y', value: 3 },
        ],
      }),
    ).toEqual([
      'a: source must be a non-empty text',
      'b: template must be text',
      'c: template placeholder {{$nope}}: $nope is not an envelope field ($id $type $subject $time $tenant $source)',
      'c: template placeholder {{}}: must be a non-empty text',
      'd: tags.prefix must be text',
      'd: tags.from must be a list of sources',
      'd: tags.values must hold text, numbers or booleans',
      'd: tags.max_length must be a positive integer',
      'd: tags has no key extra',
      'e: tags needs at least one `from` source or static `values`',
      'f: transforms must be a list',
      'f: value_map must be an object {from: to}',
      'f: required must be true or false',
      'g: a field has no key valueMap',
      'h: source question: names no question or tag',
      'i: source a..b is not a valid dotted path',
      'x: target given more than once',
      'x.y: conflicts with target x, which holds a value',
    ]);
  });

  it('checks header mappings for flat, valid and distinct header names', () => {
    expect(
      validateMapping(
        {
          fields: [
            { target: 'Authorization', value: 'Bearer x' },
            { target: 'authorization', value: 'Bearer y' },
            { target: 'X.Nested', value: 'z' },
            { target: 'Bad Name', value: 'z' },
            { target: 'Transfer-Encoding', value: 'chunked' },
          ],
        },
        { headers: true },
      ),
    ).toEqual([
      'X.Nested: a header target cannot be nested (no dots)',
      'Bad Name: target is not a valid HTTP header name',
      "Transfer-Encoding: Transfer-Encoding is set by Flowline's HTTP client from each request and cannot be mapped",
      'authorization: target given more than once',
    ]);
  });

  it.each([[undefined], [{}], [{ fields: 'x' }], [[]]])('refuses %j without a list of fields', (mapping) => {
    expect(validateMapping(mapping)).toEqual(['fields must be a list of fields']);
  });
});

describe('sourceProblem', () => {
  it.each<[unknown, string | undefined]>([
    ['email', undefined],
    ['profile.email', undefined],
    ['registration.answers[0].answer', undefined],
    ['$subject', undefined],
    ['question:Company Name', undefined],
    ['$foo', '$foo is not an envelope field ($id $type $subject $time $tenant $source)'],
    ['.email', '.email is not a valid dotted path'],
    ['  ', 'must be a non-empty text'],
    [7, 'must be a non-empty text'],
  ])('%j → %j', (source, problem) => {
    expect(sourceProblem(source)).toBe(problem);
  });
});
