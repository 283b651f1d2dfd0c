/**
 * The file a decorator was applied in: the first stack frame outside Tessera's own decorator
 * modules. A test watcher (`mocha --watch`, vitest) that evaluates a module again defines its
 * classes again under the same names from the same file; registries use this to tell that from
 * two different classes claiming one name.
 */
export function definitionSite(): string | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const file = /\(?((?:file:\/\/)?\/[^:()]+|[A-Za-z]:\\[^:()]+):\d+:\d+\)?$/.exec(
      frame.trim(),
    )?.[1];
    if (file === undefined) continue;
    // Tessera's decorators, and the helpers TypeScript's emitted `__decorate` calls through.
    if (/[\\/](definition-site|domain-event\.decorator|aggregate\.decorator)\.[jt]s$/.test(file)) {
      continue;
    }
    if (/[\\/]node_modules[\\/](reflect-metadata|tslib)[\\/]/.test(file)) continue;
    return file;
  }
  return undefined;
}
