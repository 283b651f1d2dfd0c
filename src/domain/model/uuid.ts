/** True for a canonical 8-4-4-4-12 hexadecimal UUID string (either case). */
export function isUuid(value: unknown): value is string {
  // By hand rather than a case-insensitive regular expression, which costs more: this runs on
  // every aggregate constructed and every id saved or loaded.
  if (typeof value !== 'string' || value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false; // '-'
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) {
      return false; // not 0-9, a-f, A-F
    }
  }
  return true;
}
