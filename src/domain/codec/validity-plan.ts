/** A class's validity check as a function of its own: the object and the container stamp. */
export type CompiledCheck = (object: object, stamp: number) => boolean;

/*
 * The shapes a validity check works on: the parts of class-validator's metadata it reads, and the
 * per-class plan built from them (see validity-check.ts).
 */

/** The parts of class-validator's `ValidationMetadata` read here. */
export interface ValidationMetadataLike {
  readonly type: string;
  readonly propertyName: string;
  readonly constraints: unknown[];
  readonly constraintCls?: unknown;
  readonly each?: boolean;
  readonly validateIf?: (object: object, value: unknown) => boolean;
}

/** The parts of class-validator's `ConstraintMetadata` read here. */
export interface ConstraintMetadataLike {
  readonly async?: boolean;
  readonly instance: {
    validate(value: unknown, args: ValidationArgumentsLike): unknown;
  };
}

export interface ValidationArgumentsLike {
  readonly targetName: string | undefined;
  readonly property: string;
  readonly object: object;
  readonly value: unknown;
  readonly constraints: unknown[];
}

export type ConstraintInstance = ConstraintMetadataLike['instance'];

/** One validation metadata entry of a property, with the constraints it runs. */
export interface Rule {
  readonly metadata: ValidationMetadataLike;
  /** The constraints to run (async ones are ignored, as validateSync ignores them). */
  readonly constraints: readonly ConstraintMetadataLike[];
  /** Their instances, as the container handed them out at {@link Rule.stamp}. */
  instances: ConstraintInstance[];
  /** The container stamp the instances were taken at; NaN before the first time. */
  stamp: number;
}

/** What is checked for one property, in class-validator's order. */
export interface PropertyPlan {
  readonly name: string;
  readonly conditions: ReadonlyArray<(object: object, value: unknown) => unknown>;
  readonly defined: readonly Rule[];
  readonly custom: readonly Rule[];
  readonly nested: boolean;
}

/** What is checked for an object of one class. */
export interface ClassPlan {
  /** `constructor.name`, as class-validator passes it to constraints as `targetName`. */
  readonly targetName: string | undefined;
  readonly properties: readonly PropertyPlan[];
  /** The plan compiled to a function of its own (see {@link compilePlan}), when it could be. */
  compiled?: CompiledCheck;
}
