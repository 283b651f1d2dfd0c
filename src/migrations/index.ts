import { MigrationInterface } from 'typeorm';
import { CreateEventsTable1732500000000 } from './1732500000000-CreateEventsTable';
import { CreateSnapshots1732500001000 } from './1732500001000-CreateSnapshots';
import { AppendOnlyEvents1732500002000 } from './1732500002000-AppendOnlyEvents';
import { CreatePublication1732500003000 } from './1732500003000-CreatePublication';
import { CreateProjectionCheckpoints1732500004000 } from './1732500004000-CreateProjectionCheckpoints';
import { OneStreamIndex1732500005000 } from './1732500005000-OneStreamIndex';
import { CreateCommandKeys1732500006000 } from './1732500006000-CreateCommandKeys';
import { CreateUniqueValues1732500007000 } from './1732500007000-CreateUniqueValues';
import { CreateProjectionLeases1732500020000 } from './1732500020000-CreateProjectionLeases';
import { CreateEventsArchive1732500030000 } from './1732500030000-CreateEventsArchive';
import { CreatePersonalDataKeys1732500040000 } from './1732500040000-CreatePersonalDataKeys';
import { LeanArchivedStreamGuard1732500050000 } from './1732500050000-LeanArchivedStreamGuard';
import { CommandKeysOnEvents1732500060000 } from './1732500060000-CommandKeysOnEvents';
import { CommandKeyIndex1732500061000 } from './1732500061000-CommandKeyIndex';
import { RoleGrants1732500062000 } from './1732500062000-RoleGrants';

export {
  CreateEventsTable1732500000000,
  CreateSnapshots1732500001000,
  AppendOnlyEvents1732500002000,
  CreatePublication1732500003000,
  CreateProjectionCheckpoints1732500004000,
  OneStreamIndex1732500005000,
  CreateCommandKeys1732500006000,
  CreateUniqueValues1732500007000,
  CreateProjectionLeases1732500020000,
  CreateEventsArchive1732500030000,
  CreatePersonalDataKeys1732500040000,
  LeanArchivedStreamGuard1732500050000,
  CommandKeysOnEvents1732500060000,
  CommandKeyIndex1732500061000,
  RoleGrants1732500062000,
};

/**
 * Tessera's schema migrations, oldest first.
 *
 * Passed as classes rather than a glob so they work from `ts-node`, compiled `dist/`
 * and bundlers alike.
 */
export const TESSERA_MIGRATIONS: Array<new () => MigrationInterface> = [
  CreateEventsTable1732500000000,
  CreateSnapshots1732500001000,
  AppendOnlyEvents1732500002000,
  CreatePublication1732500003000,
  CreateProjectionCheckpoints1732500004000,
  OneStreamIndex1732500005000,
  CreateCommandKeys1732500006000,
  CreateUniqueValues1732500007000,
  CreateProjectionLeases1732500020000,
  CreateEventsArchive1732500030000,
  CreatePersonalDataKeys1732500040000,
  LeanArchivedStreamGuard1732500050000,
  CommandKeysOnEvents1732500060000,
  CommandKeyIndex1732500061000,
  RoleGrants1732500062000,
];
