/** An object graph with a cycle two levels down. */
function circular(): object {
  const node: { name: string; self?: object } = { name: 'loop' };
  node.self = { back: node };
  return node;
}

/** Values JSON cannot hold faithfully, with the path the error must name. */
export const UNSERIALIZABLE: ReadonlyArray<{ what: string; value: () => unknown; path: string }> = [
  { what: 'NaN', value: () => NaN, path: 'value' },
  { what: 'Infinity', value: () => Infinity, path: 'value' },
  { what: '-Infinity nested in an array', value: () => [1, -Infinity], path: 'value.1' },
  { what: 'NaN deep in an object', value: () => ({ a: { b: NaN } }), path: 'value.a.b' },
  { what: 'a cycle', value: circular, path: 'value.self.back' },
  { what: 'a function', value: () => ({ f: () => 1 }), path: 'value.f' },
  { what: 'a symbol', value: () => Symbol('s'), path: 'value' },
  { what: 'a Map', value: () => new Map([[1, 2]]), path: 'value' },
  { what: 'a Set', value: () => new Set([1]), path: 'value' },
  { what: 'an invalid Date', value: () => new Date('nope'), path: 'value' },
  { what: 'a bigint without @BigIntProperty', value: () => 10n, path: 'value' },
  { what: 'a NUL character in a string', value: () => 'a\u0000b', path: 'value' },
  { what: 'a NUL character in a key', value: () => ({ ['k\u0000']: 1 }), path: 'value' },
];

/** Ids that are not canonical UUID strings, some of them close. */
export const NON_UUIDS: readonly unknown[] = [
  '',
  'not-a-uuid',
  "1'; DROP TABLE events; --",
  '00000000-0000-4000-8000-00000000000',
  '00000000-0000-4000-8000-0000000000000',
  '{00000000-0000-4000-8000-000000000000}',
  ' 00000000-0000-4000-8000-000000000000',
  '00000000-0000-4000-8000-000000000000\n',
  // PostgreSQL's uuid type would accept this one: the check must not depend on the column.
  '00000000000040008000000000000000',
  'g0000000-0000-4000-8000-000000000000',
  '٠٠٠٠٠٠٠٠-٠٠٠٠-٤٠٠٠-٨٠٠٠-٠٠٠٠٠٠٠٠٠٠٠٠',
  42,
  null,
  undefined,
];

/** Save options whose metadata cannot be stored. */
export const BAD_METADATA: readonly unknown[] = [
  { correlationId: 42 },
  { causationId: {} },
  { actor: 7 },
  { tenant: null },
  { correlationId: 'x'.repeat(4097) },
  { headers: [] },
  { headers: 'x' },
  { headers: { 'a b': 'x' } },
  { headers: { '': 'x' } },
  { headers: { "k'": 'v' } },
  { headers: { 'k;': 'v' } },
  { headers: { ['k'.repeat(129)]: 'v' } },
  // Header values may be any JSON value, but only one JSON gives back equal.
  { headers: { k: NaN } },
  { headers: { k: new Date(0) } },
  { headers: { k: 'nul\u0000' } },
  { headers: { actor: 1 } },
  { commandId: '' },
  { commandId: 'c'.repeat(256) },
  { claim: [{ scope: '', value: 'x' }] },
  {
    claim: [
      { scope: 'email', value: 'a' },
      { scope: 'email', value: 'a' },
    ],
  },
  { release: 'email' },
];
