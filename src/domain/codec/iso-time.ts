// Taken once, so a Date subclass or a later change to Date.prototype cannot change them; always
// called with the Date as `this`.
// eslint-disable-next-line @typescript-eslint/unbound-method
const getTime = Date.prototype.getTime;
// eslint-disable-next-line @typescript-eslint/unbound-method
const toISOString = Date.prototype.toISOString;

let lastTime = NaN;
let lastIso = '';

/**
 * What `Date.prototype.toISOString` gives for `date`, remembered for the last time value: the
 * events of one command, and their envelopes, usually share a millisecond. The date must be
 * valid (the callers check it or made it).
 */
export function isoStringOf(date: Date): string {
  const time = getTime.call(date);
  if (time !== lastTime) {
    lastIso = toISOString.call(date);
    lastTime = time;
  }
  return lastIso;
}
