import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { runCliProcess, type CliResult, type RunCliOptions } from "./run-cli-process.js";
import { startCliDaemon, type CliDaemon } from "./start-cli-daemon.js";

/** A daemon for one test file, and helpers to run the CLI against it. */
export interface CliFixture {
  daemon: CliDaemon;
  /** Runs the CLI against the daemon (`--url`). */
  cli(args: string[], options?: RunCliOptions): Promise<CliResult>;
  /** Runs the CLI with `--json`, expects exit code 0 and returns the parsed output. */
  cliJson<T = Record<string, unknown>>(args: string[]): Promise<T>;
  /** GETs a REST route of the daemon, as curl would, and returns its JSON. */
  rest<T = unknown>(path: string): Promise<T>;
  /** A new, empty directory to register as a project. */
  newProjectDir(name: string): string;
}

/** Registers mocha hooks that start a daemon before the file's tests and stop it after. */
export function useCliFixture(): CliFixture {
  const fixture = {} as CliFixture;
  before(async function () {
    this.timeout(90_000);
    const daemon = await startCliDaemon();
    Object.assign(fixture, {
      daemon,
      cli: (args: string[], options: RunCliOptions = {}) => runCliProcess(["--url", daemon.url, ...args], options),
      async cliJson<T>(args: string[]): Promise<T> {
        const result = await runCliProcess(["--url", daemon.url, ...args, "--json"]);
        expect(result.code, `commander ${args.join(" ")} --json\n${result.stderr}`).to.equal(0);
        return JSON.parse(result.stdout) as T;
      },
      async rest<T>(path: string): Promise<T> {
        const res = await fetch(`${daemon.url}${path}`);
        return (await res.json()) as T;
      },
      newProjectDir(name: string) {
        const dir = join(daemon.workDir, "projects", name);
        mkdirSync(dir, { recursive: true });
        return dir;
      },
    });
  });
  after(async function () {
    this.timeout(60_000);
    if (fixture.daemon) {
      await fixture.daemon.stop();
      await fixture.daemon.cleanup();
      rmSync(fixture.daemon.workDir, { recursive: true, force: true });
    }
  });
  return fixture;
}
