import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ENTRY = join(__dirname, '../../dist/services/cluster/src/main.js');

/**
 * The cluster (or some of its services) as a real process (`node dist/services/cluster/src/main.js
 * all`), as an orchestrator runs it, so a test can send it signals. `start` resolves once it
 * logged 'started'.
 */
export class ClusterProcess {
  private child: ChildProcess | undefined;
  /** Everything the process wrote, stdout and stderr: its log lines. */
  readonly logLines: string[] = [];
  /** Where its HTTP server listens, from its 'started' line. */
  url = '';

  constructor(
    private readonly env: Record<string, string>,
    readonly services = 'all',
    private readonly logLevel = 'info',
  ) {}

  start(): Promise<void> {
    const child = this.spawn();
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (line.includes('"msg":"started"')) {
          this.url = (JSON.parse(line) as { url: string }).url;
          resolve();
        }
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`cluster exited early (${code ?? signal}): ${this.logLines.slice(-5).join('\n')}`)),
      );
    });
  }

  /** Starts the process without waiting for it to start its services; its lines go to `logLines`. */
  spawn(): ChildProcess {
    const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', ENTRY, this.services], {
      // Its log lines come on stdout: the test reads them (for 'started'), not a log file.
      env: { ...process.env, ...this.env, LOG_LEVEL: this.logLevel, LOG_FILE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const file = logFile(this.services, child.pid);
    child.stderr.on('data', (chunk: Buffer) => {
      this.logLines.push(chunk.toString());
      file?.write(chunk);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.logLines.push(line);
      file?.write(`${line}\n`);
    });
    // 'close', not 'exit': a child's last output can still come after it exited.
    child.once('close', () => file?.end());
    return child;
  }

  /** Whether the process still runs. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal and resolves with how the process ended. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve({ code: child?.exitCode ?? null, signal: child?.signalCode ?? null });
    return new Promise((resolve) => {
      child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
      child.kill(signal);
    });
  }
}

/**
 * With FLOWLINE_TEST_LOG_DIR set, a process's lines are also written to `<dir>/<services>-<pid>.log`,
 * to be read after a long run (the fault suite's) that kept them only in memory.
 */
function logFile(services: string, pid: number | undefined): WriteStream | undefined {
  const dir = process.env.FLOWLINE_TEST_LOG_DIR;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = createWriteStream(join(dir, `${services}-${pid ?? 'unknown'}.log`), { flags: 'a' });
  // A diagnostic copy: a write it cannot make must not fail the test.
  file.on('error', () => undefined);
  return file;
}
