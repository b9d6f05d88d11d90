import { buildTags, slugify, tagCandidates, truncate } from './managed-tags';

describe('slugify', () => {
  it.each([
    ['publication Premium Magazine', 'publication-premium-magazine'],
    ['MAG-001', 'mag-001'],
    ['MAG-001 PO-123', 'mag-001-po-123'],
    ['VIP', 'vip'],
    ['  --Café au lait!!  ', 'cafe-au-lait'],
    ['snake_case_name', 'snake-case-name'],
    ['Ünïcödé', 'unicode'],
    ['日本語', ''],
    ['', ''],
  ])('%j → %j', (text, slug) => {
    expect(slugify(text)).toBe(slug);
  });
});

describe('truncate', () => {
  it.each([
    ['abcdef', 3, 'abc'],
    ['abc', 3, 'abc'],
    ['ab😀cd', 3, 'ab'],
    ['ab😀cd', 4, 'ab😀'],
  ])('%j to %i → %j', (text, max, expected) => {
    expect(truncate(text, max)).toBe(expected);
  });
});

describe('tagCandidates', () => {
  it.each<[unknown, unknown[]]>([
    ['VIP', ['VIP']],
    [
      ['a', 'b', null, { x: 1 }, ['nested'], 3, true],
      ['a', 'b', 3, true],
    ],
    [null, []],
    [undefined, []],
    [{ a: 1 }, []],
  ])('%j → %j', (value, expected) => {
    expect(tagCandidates(value)).toEqual(expected);
  });
});

describe('buildTags (Sesamy managed tags)', () => {
  it('builds the documented tag patterns', () => {
    expect(buildTags(['publication Premium Magazine'], 'sesamy_active_entitlement_', 99)).toEqual([
      'sesamy_active_entitlement_publication-premium-magazine',
    ]);
    expect(buildTags(['MAG-001'], 'sesamy_active_sku_', 99)).toEqual(['sesamy_active_sku_mag-001']);
    expect(buildTags(['VIP'], 'sesamy_tag_', 99)).toEqual(['sesamy_tag_vip']);
  });

  it('de-duplicates slugs, keeping first appearance', () => {
    expect(buildTags(['VIP', 'vip', ' V.I.P ', 'Gold', 'VIP!'], 'sesamy_tag_', 99)).toEqual([
      'sesamy_tag_vip',
      'sesamy_tag_v-i-p',
      'sesamy_tag_gold',
    ]);
  });

  it('truncates to max_length, then de-duplicates again', () => {
    const long = 'x'.repeat(120);
    const tags = buildTags([`${long} one`, `${long} two`, 'short'], 'sesamy_tag_', 99);
    expect(tags).toEqual([`sesamy_tag_${'x'.repeat(88)}`, 'sesamy_tag_short']);
    expect(tags.every((tag) => tag.length <= 99)).toBe(true);
  });

  it('keeps fixed values as written (Sesamy sesamy_active_subscriber), after the event values', () => {
    expect(buildTags(['publication Premium Magazine'], 'sesamy_', 99, ['active_subscriber', 'Has Gift', ''])).toEqual([
      'sesamy_publication-premium-magazine',
      'sesamy_active_subscriber',
      'sesamy_Has Gift',
    ]);
    expect(buildTags([], '', 99, ['sesamy_active_subscriber'])).toEqual(['sesamy_active_subscriber']);
  });

  it('skips values with no slug, and tags numbers and booleans by their text', () => {
    expect(buildTags(['', '!!!', '日本語', 42, true], 'p_', 99)).toEqual(['p_42', 'p_true']);
  });
});
