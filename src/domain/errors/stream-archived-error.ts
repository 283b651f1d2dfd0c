import { TesseraError } from './tessera-error';

/**
 * A load reached the archived part of a stream while the repository is configured with
 * `archivedStreams: 'fail'`: the stream's older events live in `events_archive`. Load it with a
 * repository that reads the archive (the default), or restore the events first.
 */
export class StreamArchivedError extends TesseraError {
  readonly code = 'TESSERA_STREAM_ARCHIVED';

  constructor(
    readonly aggregateType: string,
    readonly aggregateId: string,
    /** The first version still in the hot table (versions before it are archived). */
    readonly firstHotVersion: number,
  ) {
    super(
      `${aggregateType} ${aggregateId} is archived: its events before version ${firstHotVersion} ` +
        "are in the archive, and this repository is configured with archivedStreams: 'fail'",
    );
  }
}
