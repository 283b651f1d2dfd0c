import { Writable } from 'node:stream';

/** A table's column: its heading and how a row shows in it. */
export interface TableColumn<R> {
  readonly heading: string;
  readonly value: (row: R) => string;
  /** Right-aligned (numbers). */
  readonly right?: boolean;
}

/**
 * Where a command writes its results: data to stdout (as JSON with `--json`, as aligned plain
 * lines otherwise), notes and progress to stderr when stdout carries JSON.
 */
export class CliOutput {
  constructor(
    readonly json: boolean,
    private readonly stdout: Writable = process.stdout,
    private readonly stderr: Writable = process.stderr,
  ) {}

  /** True when stdout is a terminal and carries no JSON: progress bars may be drawn there. */
  get interactive(): boolean {
    return !this.json && (this.stdout as { isTTY?: boolean }).isTTY === true;
  }

  /** Writes `data` as one JSON document (with `--json`), or calls `plain` to write lines. */
  result(data: unknown, plain: () => void): void {
    if (this.json) this.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else plain();
  }

  /** A plain line of the result (ignored with `--json`, where {@link result} carries it all). */
  line(text: string): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  /** A note for the operator: on stdout as a plain line, on stderr with `--json`. */
  note(text: string): void {
    (this.json ? this.stderr : this.stdout).write(`${text}\n`);
  }

  /** Rows as an aligned plain-text table with a heading line. */
  table<R>(rows: readonly R[], columns: readonly TableColumn<R>[]): void {
    const cells = rows.map((row) => columns.map((c) => c.value(row)));
    const widths = columns.map((c, i) =>
      Math.max(c.heading.length, ...cells.map((line) => line[i].length)),
    );
    const format = (values: readonly string[]): string =>
      values
        .map((v, i) => (columns[i].right ? v.padStart(widths[i]) : v.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    this.line(format(columns.map((c) => c.heading)));
    for (const line of cells) this.line(format(line));
  }
}
