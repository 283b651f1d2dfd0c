import 'reflect-metadata';
import { RootHookObject } from 'mocha';
import { stopTestServer } from './database';

/**
 * Root hooks for the whole mocha run. The server itself starts lazily in
 * useTestDatabase(), so here we only make sure an embedded one does not outlive the run.
 */
export const mochaHooks: RootHookObject = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestServer();
  },
};
