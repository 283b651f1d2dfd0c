import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBEZIUM_SUPPORT_DIR } from './java-toolchain';

/** Small heaps and a quick-starting JIT: the JVMs share two cores with everything else. */
const JVM_FLAGS = [
  '-Xms64m',
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
  `-Dlog4j2.configurationFile=${join(DEBEZIUM_SUPPORT_DIR, 'log4j2.properties')}`,
];

/** A JVM child process (`java -cp <classpath> <main> <args>`) whose output goes to a log file. */
export class JavaProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  readonly logFile: string;

  private constructor(child: ChildProcess, logFile: string) {
    this.#child = child;
    this.logFile = logFile;
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
  }

  static start(classpath: string, mainClass: string, args: string[], logFile: string): JavaProcess {
    const log = openSync(logFile, 'a');
    try {
      const child = spawn('java', [...JVM_FLAGS, '-cp', classpath, mainClass, ...args], {
        stdio: ['ignore', log, log],
      });
      return new JavaProcess(child, logFile);
    } finally {
      closeSync(log);
    }
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Resolves with the exit code (null when killed by a signal). */
  exited(): Promise<number | null> {
    return this.#exited;
  }

  /** A crash: SIGKILL, no shutdown hook runs. */
  async kill(): Promise<void> {
    if (this.running) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** A clean shutdown (SIGTERM runs the JVM's shutdown hooks), a SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** The last lines of the log, for error messages. */
  tail(lines = 40): string {
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }
}

/** Polls `condition` until it holds; fails early, with its log, when `process` dies. */
export async function waitForJava(
  process: JavaProcess,
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!process.running) {
      throw new Error(
        `java died while waiting for ${what}; ${process.logFile}:\n${process.tail()}`,
      );
    }
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${process.tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
