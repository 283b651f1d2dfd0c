import type { ClassPlan, Rule } from './validity-check';

/** A class's validity check as a function of its own: the object and the container stamp. */
export type CompiledCheck = (object: object, stamp: number) => boolean;

/** The generic steps a compiled check calls for what it does not spell out itself. */
export interface CompilerHelpers {
  /** One rule, walked generically (conditions on the rule, `each`). */
  passesRule(
    rule: Rule,
    object: object,
    value: unknown,
    targetName: string | undefined,
    stamp: number,
  ): boolean;
  /** A nested value (`@ValidateNested()`), checked with its own class's plan. */
  checkNested(value: unknown): boolean;
  /** Takes a rule's constraint instances from the container again. */
  refresh(rule: Rule, stamp: number): void;
  /** Whether a constraint's result counts as passing. */
  isTrue(result: unknown): boolean;
}

/**
 * Compiles a class's plan into a function of its own, which does what the generic walk in
 * `validity-check.ts` does, step for step and in the same order: every condition of a property,
 * then its `isDefined` rules, then its custom rules, then its nested value. A rule without
 * `validateIf` or `each` (the usual `@IsInt()`, `@Min(1)`) is spelled out; any other rule goes to
 * the generic {@link CompilerHelpers.passesRule}.
 *
 * Why: events of many classes go through one generic walk, so every property read and every
 * constraint call in it sees objects of many shapes, and V8 can neither specialize nor inline
 * them. A function per class keeps each of those sites to one shape (docs/performance.md has
 * what the walk cost a replay). Only constants built here
 * (property names as JSON string literals, indexes) go into the source. Returns undefined where
 * code cannot be generated (`--disallow-code-generation-from-strings`): the walk is used then.
 */
export function compilePlan(plan: ClassPlan, helpers: CompilerHelpers): CompiledCheck | undefined {
  const rules: Rule[] = [];
  const conditions: Array<(object: object, value: unknown) => unknown> = [];
  const body: string[] = [];
  plan.properties.forEach((property) => {
    body.push(`value = object[${JSON.stringify(property.name)}];`);
    let close = '';
    if (property.conditions.length > 0) {
      // Every condition runs, even after one fails, as in class-validator.
      body.push('hold = true;');
      for (const condition of property.conditions) {
        body.push(
          `if (!conditions[${conditions.push(condition) - 1}](object, value)) hold = false;`,
        );
      }
      body.push('if (hold) {');
      close = '}';
    }
    for (const rule of [...property.defined, ...property.custom]) {
      const r = `rules[${rules.push(rule) - 1}]`;
      if (rule.metadata.validateIf || rule.metadata.each) {
        body.push(`if (!passesRule(${r}, object, value, targetName, stamp)) return false;`);
        continue;
      }
      body.push(`rule = ${r};`, 'if (rule.stamp !== stamp) refresh(rule, stamp);');
      rule.constraints.forEach((_, i) => {
        body.push(
          `if (!isTrue(rule.instances[${i}].validate(value, { targetName, property: ` +
            'rule.metadata.propertyName, object, value, constraints: rule.metadata.constraints }))) ' +
            'return false;',
        );
      });
    }
    if (property.nested) body.push('if (value !== undefined && !checkNested(value)) return false;');
    body.push(close);
  });
  const source =
    '"use strict";\n' +
    'const { passesRule, checkNested, refresh, isTrue } = helpers;\n' +
    'return function check(object, stamp) {\n' +
    '  let value, rule, hold;\n' +
    `  ${body.join('\n  ')}\n` +
    '  return true;\n' +
    '};';
  try {
    // Code generation is the point here: the source holds constants only (see above).
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const factory = new Function('helpers', 'rules', 'conditions', 'targetName', source) as (
      ...args: unknown[]
    ) => CompiledCheck;
    return factory(helpers, rules, conditions, plan.targetName);
  } catch {
    return undefined;
  }
}
