import { TesseraError } from '../../domain/errors/tessera-error';

/**
 * A runner's lease on a projection expired or passed to another runner before its batch
 * committed: the batch was rolled back whole, and the runner stands by until it leads again.
 */
export class ProjectionLeadershipLostError extends TesseraError {
  readonly code = 'TESSERA_PROJECTION_LEADERSHIP_LOST';

  constructor(
    readonly projection: string,
    /** The fencing number of the lease the runner held. */
    readonly fence: string,
  ) {
    super(
      `the lease of this runner on projection ${projection} (fence ${fence}) expired or passed to another runner before its batch committed; the batch was rolled back and the runner stands by (renewals failing: check the database connection, or raise leaseMs)`,
    );
  }
}
