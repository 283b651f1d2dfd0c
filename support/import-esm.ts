/**
 * `import(specifier)` that stays one: with `module: commonjs` TypeScript compiles import() to
 * require(), which cannot load an ES module on Node 20; a Function body is not rewritten.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a Function body is the point
export const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;
