import { TesseraError } from '../../domain/errors/tessera-error';

/**
 * A runner found the projection's stored checkpoint elsewhere than where it left it: another
 * runner applied events, or the projection was rebuilt. Its batch was rolled back whole; the
 * runner reloads the checkpoint and continues from there.
 */
export class ProjectionCheckpointMovedError extends TesseraError {
  readonly code = 'TESSERA_PROJECTION_CHECKPOINT_MOVED';

  constructor(readonly projection: string) {
    super(
      `the checkpoint of projection ${projection} moved under this runner (a rebuild, or a second runner); its batch was rolled back and it resumes from the stored checkpoint`,
    );
  }
}
