/**
 * Prints one figure of the reliability suite as a greppable line,
 * `[reliability] <area>: <facts>`, which docs/reliability.md quotes as printed.
 */
export function reportFigure(area: string, facts: string): void {
  console.log(`[reliability] ${area}: ${facts}`);
}
