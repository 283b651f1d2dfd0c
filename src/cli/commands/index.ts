import type { CliCommand } from '../cli-command';
import { archiveCommand } from './archive-command';
import { healthCommand } from './health-command';
import { inspectCommand } from './inspect-command';
import { migrateCommand } from './migrate-command';
import { partitionCommand } from './partition-command';
import { replayVerifyCommand } from './replay-verify-command';
import { revertCommand } from './revert-command';
import { slotsCommand } from './slots-command';
import { statsCommand } from './stats-command';
import { statusCommand } from './status-command';

/** The `tessera` subcommands, in the order `--help` lists them. A new command: one line here. */
export const COMMANDS: readonly CliCommand[] = [
  migrateCommand,
  revertCommand,
  statusCommand,
  inspectCommand,
  statsCommand,
  healthCommand,
  archiveCommand,
  partitionCommand,
  slotsCommand,
  replayVerifyCommand,
];
