#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './run-cli';

// exitCode rather than exit(): stdout is flushed before the process ends, also into a pipe.
runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `tessera: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
