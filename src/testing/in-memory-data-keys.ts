import { randomBytes, randomUUID } from 'node:crypto';
import { dataKey, type DataKey } from '../domain/personal-data/data-key';

/**
 * The data subjects' keys of an {@link InMemoryEventRepository}, as the PostgreSQL key table
 * keeps them: one per subject, created on the subject's first save, deleted by `forget` (a
 * forgotten subject saved again gets a new key).
 */
export class InMemoryDataKeys {
  readonly #bySubject = new Map<string, DataKey>();
  readonly #byId = new Map<string, DataKey>();

  /** The key of each subject, by subject id, creating the missing ones. */
  forSubjects(subjects: Iterable<string>): Map<string, DataKey> {
    const keys = new Map<string, DataKey>();
    for (const subjectId of subjects) {
      let key = this.#bySubject.get(subjectId);
      if (!key) {
        key = dataKey(randomUUID(), subjectId, randomBytes(32));
        this.#bySubject.set(subjectId, key);
        this.#byId.set(key.keyId, key);
      }
      keys.set(subjectId, key);
    }
    return keys;
  }

  /** Every key that still exists, by key id. */
  get byId(): ReadonlyMap<string, DataKey> {
    return this.#byId;
  }

  /** Deletes the subject's key; true when there was one. */
  forget(subjectId: string): boolean {
    const key = this.#bySubject.get(subjectId);
    if (!key) return false;
    this.#bySubject.delete(subjectId);
    this.#byId.delete(key.keyId);
    return true;
  }
}
