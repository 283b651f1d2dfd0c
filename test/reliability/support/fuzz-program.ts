import fc from 'fast-check';

/** A command run on an account instance (amounts may be invalid on purpose). */
export type FuzzCommand =
  | { readonly kind: 'deposit'; readonly amount: number }
  | { readonly kind: 'withdraw'; readonly amount: number }
  | { readonly kind: 'close' };

/** One operation of a fuzz program; `handle` indexes instances held by the caller, `slot` aggregate ids. */
export type FuzzOp =
  | {
      readonly kind: 'open';
      readonly handle: number;
      readonly slot: number;
      readonly overdraft: number;
    }
  | { readonly kind: 'load'; readonly handle: number; readonly slot: number }
  | { readonly kind: 'command'; readonly handle: number; readonly command: FuzzCommand }
  | { readonly kind: 'save'; readonly handle: number; readonly badMetadata: boolean }
  | { readonly kind: 'saveAll'; readonly handles: readonly [number, number] }
  | { readonly kind: 'update'; readonly slot: number; readonly command: FuzzCommand }
  | { readonly kind: 'readStream'; readonly slot: number };

/** Save and load are the operations that race. */
export type RacingOp = Extract<FuzzOp, { kind: 'save' | 'load' }>;

/** A step: one operation, or two started together without waiting for the first. */
export type FuzzStep =
  | { readonly kind: 'single'; readonly op: FuzzOp }
  | { readonly kind: 'concurrent'; readonly ops: readonly [RacingOp, RacingOp] };

/** Instances the program juggles, and aggregate ids it uses. */
export const HANDLES = 3;
export const SLOTS = 2;

const handle = fc.integer({ min: 0, max: HANDLES - 1 });
const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const command: fc.Arbitrary<FuzzCommand> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      amount: fc.integer({ min: -2, max: 1200 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      amount: fc.integer({ min: -2, max: 1500 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
);
const save: fc.Arbitrary<RacingOp> = fc.record({
  kind: fc.constant('save' as const),
  handle,
  badMetadata: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});
const load: fc.Arbitrary<RacingOp> = fc.record({
  kind: fc.constant('load' as const),
  handle,
  slot,
});

const op: fc.Arbitrary<FuzzOp> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('open' as const),
      handle,
      slot,
      overdraft: fc.integer({ min: -1, max: 300 }),
    }),
  },
  { weight: 4, arbitrary: load },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('command' as const), handle, command }) },
  { weight: 5, arbitrary: save },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('saveAll' as const),
      handles: fc.tuple(handle, handle),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), slot, command }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('readStream' as const), slot }) },
);

// Most programs start from two saved accounts, one of them loaded twice, so that later steps
// meet existing streams and stale instances rather than "not found".
const SETUP: readonly FuzzStep[] = [
  { kind: 'single', op: { kind: 'open', handle: 0, slot: 0, overdraft: 100 } },
  { kind: 'single', op: { kind: 'save', handle: 0, badMetadata: false } },
  { kind: 'single', op: { kind: 'open', handle: 1, slot: 1, overdraft: 0 } },
  { kind: 'single', op: { kind: 'save', handle: 1, badMetadata: false } },
  { kind: 'single', op: { kind: 'load', handle: 2, slot: 0 } },
];

/**
 * Programs of up to `maxSteps` random steps, a quarter of them concurrent pairs, most of them
 * after {@link SETUP}.
 */
export function fuzzProgram(maxSteps: number): fc.Arbitrary<FuzzStep[]> {
  const step: fc.Arbitrary<FuzzStep> = fc.oneof(
    { weight: 3, arbitrary: op.map((o): FuzzStep => ({ kind: 'single', op: o })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.oneof(save, load), fc.oneof(save, save, load))
        .map(([first, second]): FuzzStep => {
          // Two loads into one handle would leave it to whichever finishes last: not a question
          // about the repositories, so they load into different handles.
          const clash =
            first.kind === 'load' && second.kind === 'load' && first.handle === second.handle;
          const other = clash ? { ...second, handle: (second.handle + 1) % HANDLES } : second;
          return { kind: 'concurrent', ops: [first, other] };
        }),
    },
  );
  return fc
    .tuple(fc.integer({ min: 0, max: 4 }), fc.array(step, { minLength: 1, maxLength: maxSteps }))
    .map(([setup, steps]) => (setup > 0 ? [...SETUP, ...steps] : steps));
}
