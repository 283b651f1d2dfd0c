import { createHash } from 'node:crypto';

/** A SQL text with the name it is prepared under on each connection (none: run unnamed). */
export interface NamedSql {
  readonly name?: string;
  readonly text: string;
  /**
   * Set for reads whose rows are taken as arrays, in this column order: pg then builds no
   * object per row. Through a caller's EntityManager, whose rows TypeORM returns as objects,
   * each row is turned into the same array.
   */
  readonly columns?: readonly string[];
}

/** A statement and the parameters its placeholders refer to, built side by side. */
export interface BoundStatement {
  readonly sql: NamedSql;
  readonly params: readonly unknown[];
}

/** A statement prepared under a name derived from its text, so equal texts share one name. */
export function namedSql(text: string, columns?: readonly string[]): NamedSql {
  const name = `tessera_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  return columns ? { name, text, columns } : { name, text };
}

/**
 * Collects a statement's parameters while its text is written: {@link Placeholders.add} takes a
 * value and returns the placeholder that refers to it, so a text cannot name a parameter its
 * list lacks, nor list them in another order.
 */
export class Placeholders {
  readonly values: unknown[] = [];

  /**
   * @param textless - when the caller already holds the text this walk would write (a cached
   *   layout), only the values are collected and every placeholder is the empty string: the same
   *   walk still decides the parameters' order, without paying for text nobody reads.
   */
  constructor(private readonly textless = false) {}

  /** Appends a parameter; returns its placeholder (`$1`, `$2`...). */
  add(value: unknown): string {
    const n = this.values.push(value);
    return this.textless ? '' : `$${n}`;
  }
}
