/**
 * A stored schema version as the read statements select it (`metadata->>'schemaVersion'`, text:
 * cheaper to send and parse than the jsonb value): the number it spells, or the text itself when
 * it spells none (for the decoder to name), or null when the row has none (version 1).
 */
export function schemaVersionOf(text: string | null): unknown {
  if (text === null) return null;
  const version = Number(text);
  return Number.isInteger(version) ? version : text;
}
