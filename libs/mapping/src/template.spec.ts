import { renderTemplate, templateSources } from './template';

const values: Record<string, unknown> = {
  position: 'VP Marketing',
  organization: 'Acme Corp',
  minutes: 45,
  zero: 0,
  empty: '',
  yes: true,
  list: ['AI', null, 'Math'],
  object: { a: 1 },
  'question:Company Name': 'Acme',
};
const resolve = (source: string) => values[source];

describe('renderTemplate', () => {
  it.each<[string, string | undefined]>([
    ['{{position}}  @ {{organization}}', 'VP Marketing  @ Acme Corp'],
    ['{{ position }} at {{organization }}', 'VP Marketing at Acme Corp'],
    ['{{position}} @ {{missing}}', 'VP Marketing @ '],
    ['{{missing}} @ {{organization}}', ' @ Acme Corp'],
    ['{{missing}}  @ {{absent}}', undefined],
    ['watched {{minutes}} min', 'watched 45 min'],
    ['{{zero}}', '0'],
    ['[{{empty}}]', '[]'],
    ['{{yes}}', 'true'],
    ['{{list}}', 'AI, Math'],
    ['{{object}}', '{"a":1}'],
    ['{{question:Company Name}}', 'Acme'],
    ['fixed text only', 'fixed text only'],
    ['', ''],
    ['{{}} and {{ }}', undefined],
    ['{{unclosed', '{{unclosed'],
    ['{single} {{position}}', '{single} VP Marketing'],
    ['$& $1 {{position}}', '$& $1 VP Marketing'],
  ])('%j → %j', (template, expected) => {
    expect(renderTemplate(template, resolve)).toBe(expected);
  });

  it('lists its placeholders in order', () => {
    expect(templateSources('{{ a.b }} {{$id}} x {{question:Job Title}}')).toEqual(['a.b', '$id', 'question:Job Title']);
  });
});
