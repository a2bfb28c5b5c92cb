/**
 * The `sandbank` command as a child process, for tests of what an operator sees: the environment it
 * runs with is exactly the one given (no SANDBANK_* variable leaks in from the test run), and the
 * working directory can be a temporary one. `tsx` is imported by absolute URL so any cwd works.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { after } from 'node:test';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');

export interface CliOptions {
  /** Extra environment variables; every inherited SANDBANK_* variable is removed first. */
  env?: Record<string, string>;
  cwd?: string;
}

function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SANDBANK_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs `sandbank …args` to completion. */
export function runCli(
  args: string[],
  opts: CliOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX, MAIN, ...args],
      // A command that should have exited but serves instead fails the test rather than hanging it.
      { env: environment(opts.env), timeout: 30_000, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface RunningServer {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT` as printed in the startup line. */
  url: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code once all of its output has been read. */
  stop(): Promise<number | null>;
}

/** Starts `sandbank serve …args` and waits for its `listening on http://127.0.0.1:PORT` line. */
/**
 * Servers still running when a test file ends: a test that fails before its `stop()` would leave
 * one, and its open pipes would keep the test process (and so the whole run) waiting forever.
 */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startCliServer(args: string[], opts: CliOptions = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'serve', ...args], {
    env: environment(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  // 'close' comes after 'exit', once both pipes are drained: all output has been read by then.
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
    if (m) {
      return {
        child,
        url: m[1] as string,
        port: Number(m[2]),
        stdout: () => out,
        stderr: () => err,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return closed;
        },
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start:\nstdout:\n${out}\nstderr:\n${err}`);
}
