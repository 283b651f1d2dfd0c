/**
 * The bank account's rules as a plain fold, written independently of the aggregate: the racing
 * and fuzz tests replay the accepted commands through it and compare with what the store says.
 */
export interface AccountModel {
  readonly balance: number;
  readonly overdraftLimit: number;
  readonly closed: boolean;
}

/** One accepted change to an account, in the order of its stored versions. */
export type AccountStep =
  | { readonly kind: 'open'; readonly overdraftLimit: number }
  | { readonly kind: 'deposit'; readonly amount: number }
  | { readonly kind: 'withdraw'; readonly amount: number }
  | { readonly kind: 'close' };

/** The business rule a step breaks in `state`, as the example's DomainError code, or null. */
export function ruleBroken(state: AccountModel | null, step: AccountStep): string | null {
  if (step.kind === 'open') return state === null ? null : 'ALREADY_OPEN';
  if (state === null) return 'NOT_OPENED';
  if (state.closed) return 'ACCOUNT_CLOSED';
  if (step.kind === 'withdraw' && step.amount > state.balance + state.overdraftLimit) {
    return 'INSUFFICIENT_FUNDS';
  }
  if (step.kind === 'close' && state.balance !== 0) return 'NON_ZERO_BALANCE';
  return null;
}

/** Applies an accepted step; throws if the step breaks a rule (it should never have been accepted). */
export function applyStep(state: AccountModel | null, step: AccountStep): AccountModel {
  const broken = ruleBroken(state, step);
  if (broken !== null) throw new Error(`the store accepted ${step.kind} that breaks ${broken}`);
  if (step.kind === 'open')
    return { balance: 0, overdraftLimit: step.overdraftLimit, closed: false };
  const current = state as AccountModel;
  switch (step.kind) {
    case 'deposit':
      return { ...current, balance: current.balance + step.amount };
    case 'withdraw':
      return { ...current, balance: current.balance - step.amount };
    case 'close':
      return { ...current, closed: true };
  }
}
