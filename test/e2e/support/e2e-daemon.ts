import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as http from "node:http";
import { expect } from "chai";
import { startDaemon, type DaemonOptions, type DaemonProcess } from "../../support/daemon-process.js";
import { rest, type RestResponse } from "../../support/rest-client.js";

// Agents are tested elsewhere (test/agents). Here every runtime runs a stand-in that lives one second and
// then exits with an error, whatever arguments it gets: adding work can never launch a real agent (Claude
// Code is a dev dependency, and `npm test` puts node_modules/.bin on PATH), and an agent that is started
// fails the way a missing or broken agent does, raising an `instance_error` event.
const FAILING_AGENT = "#!/bin/sh\n# A stand-in agent for the e2e tests: it never becomes ready.\nsleep 1\nexit 3\n";
const RUNTIME_NAMES = ["claude-code", "codex", "gemini", "aider", "shell"];

/** The `runtimes` setting that runs `command` for every runtime. */
export function runtimesRunning(command: string[]): Record<string, { command: string[] }> {
  return Object.fromEntries(RUNTIME_NAMES.map((name) => [name, { command }]));
}

export interface E2eDaemon extends DaemonProcess {
  /** A fresh, empty directory to register as a project; removed by `dispose()`. */
  newProjectDir(label?: string): Promise<string>;
  /** Stops the daemon and removes its state and every project directory. */
  dispose(): Promise<void>;
}

/**
 * The real daemon process for one `describe`, with stand-in agents that fail, and a scratch area for
 * project directories.
 * The daemon reads its settings from a config file written here (an explicit `COMMANDER_CONFIG` must
 * exist), so each test daemon is isolated from the user's own configuration.
 */
export async function startE2eDaemon(options: DaemonOptions = {}): Promise<E2eDaemon> {
  const scratch = await mkdtemp(join(tmpdir(), "commander-e2e-"));
  const ownStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? join(scratch, "state");
  await mkdir(stateDir, { recursive: true });
  const agent = join(scratch, "failing-agent.sh");
  await writeFile(agent, FAILING_AGENT, { mode: 0o755 });
  const configFile = join(scratch, "config.json");
  // max_projects is raised so that one daemon serves a whole file of tests; COMMANDER_MAX_PROJECTS (or
  // COMMANDER_RUNTIMES) in `options.env` override the file.
  await writeFile(configFile, JSON.stringify({ runtimes: runtimesRunning([agent]), max_projects: 1000 }));
  let daemon: DaemonProcess;
  try {
    daemon = await startDaemon({ ...options, stateDir, env: { COMMANDER_CONFIG: configFile, ...options.env } });
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  let counter = 0;
  let stopRequested = false;
  const stop = daemon.stop.bind(daemon);
  return Object.assign(daemon, {
    stop(signal?: NodeJS.Signals, timeoutMs?: number) {
      stopRequested = true;
      return stop(signal, timeoutMs);
    },
    async newProjectDir(label = "project") {
      const dir = join(scratch, "projects", `${label}-${++counter}`);
      await mkdir(dir, { recursive: true });
      return dir;
    },
    async dispose() {
      if (!stopRequested && (daemon.child.exitCode !== null || daemon.child.signalCode !== null)) {
        // It died before the tests were done with it: its last words are the only clue.
        const tail = daemon.output().split("\n").slice(-40).join("\n");
        process.stderr.write(`\ncommander daemon on port ${daemon.port} exited early (${daemon.child.exitCode ?? daemon.child.signalCode}):\n${tail}\n`);
      }
      await stop("SIGTERM").catch(() => undefined);
      // Also ends its private tmux server and the stand-in agents in it, however the daemon ended.
      await daemon.cleanup();
      if (ownStateDir) await rm(stateDir, { recursive: true, force: true });
      await rm(scratch, { recursive: true, force: true });
    },
  });
}

/** Registers a project in a fresh directory and returns its REST JSON. */
export async function registerProject(daemon: E2eDaemon, body: Record<string, unknown> = {}): Promise<any> {
  const path = (body.path as string | undefined) ?? (await daemon.newProjectDir());
  const res = await rest(daemon.url, "POST", "/api/projects", { ...body, path });
  expect(res.status, res.text).to.equal(201);
  return res.body;
}

/**
 * Registers a project and pauses it. Work or a message for a project that is not paused makes the daemon
 * start its agent (auto-execution); a paused project's queue stays exactly as the API leaves it, which is
 * what tests of the queue and the inbox need.
 */
export async function registerPausedProject(daemon: E2eDaemon, body: Record<string, unknown> = {}): Promise<any> {
  const project = await registerProject(daemon, body);
  const res = await rest(daemon.url, "POST", `/api/projects/${project.id}/pause`, { reason: "kept quiet by the e2e tests" });
  expect(res.status, res.text).to.equal(200);
  return res.body;
}

/** Adds a work item over REST and returns it. */
export async function addWork(url: string, projectId: string, body: Record<string, unknown> = {}): Promise<any> {
  const res = await rest(url, "POST", "/api/work", { project_id: projectId, content: "do something", ...body });
  expect(res.status, res.text).to.equal(201);
  return res.body;
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Asserts an RFC 3339 UTC timestamp. */
export function expectTimestamp(value: unknown): void {
  expect(value, `timestamp ${String(value)}`).to.be.a("string").and.match(RFC3339_UTC);
}

/**
 * Asserts a REST error: the HTTP status, a `google.rpc.Status` JSON body whose first detail is an
 * ErrorInfo in the `commander` domain with `reason`, and, when given, that the message or the ErrorInfo
 * metadata names `mention` (a field or the problem).
 */
export function expectRestError(res: RestResponse, status: number, reason: string, mention?: string): void {
  expect(res.status, `HTTP status of ${res.text}`).to.equal(status);
  expect(res.headers.get("content-type") ?? "", "content type").to.match(/^application\/json/);
  const body = res.body as { code?: unknown; message?: unknown; details?: any[] };
  expect(body, res.text).to.be.an("object");
  expect(body.code, "Status.code").to.be.a("number");
  expect(body.code).to.be.within(1, 16);
  expect(body.message, "Status.message").to.be.a("string").and.not.equal("");
  expect(body.details, "Status.details").to.be.an("array").with.length.greaterThan(0);
  const info = body.details!.find((detail) => detail["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
  expect(info, `an ErrorInfo detail in ${res.text}`).to.not.equal(undefined);
  expect(info.domain).to.equal("commander");
  expect(info.reason, res.text).to.equal(reason);
  if (mention !== undefined) {
    const haystack = `${body.message as string} ${JSON.stringify(info.metadata ?? {})}`.toLowerCase();
    expect(haystack, `the error names "${mention}"`).to.include(mention.toLowerCase());
  }
}

/** Asserts a 4xx JSON `google.rpc.Status` of any reason: what every refused request must get, never a 5xx. */
export function expectClientError(res: RestResponse): void {
  expect(res.status, `HTTP status of ${res.text}`).to.be.within(400, 499);
  expect(res.headers.get("content-type") ?? "").to.match(/^application\/json/);
  expect(res.body?.code, res.text).to.be.a("number");
  expect(res.body?.message, res.text).to.be.a("string");
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any;
}

/**
 * One request over node:http, for what fetch cannot send (a `Host` header, a large body the server
 * refuses before reading it all). A response that arrives before the upload ends is still returned.
 */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + path, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown;
        try {
          parsed = text === "" ? undefined : JSON.parse(text);
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
      res.on("error", reject);
    });
    // The server may answer and close while the body is still being written (413): that is not a failure.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** Converts a raw response into the shape of `rest()`, so the same assertions apply. */
export function asRestResponse(raw: RawResponse): RestResponse {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return { status: raw.status, headers, text: raw.text, body: raw.body };
}

/** The next chunk of a stream as text, or an error naming what was expected and what came so far. */
async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  decoder: TextDecoder,
  deadline: number,
  expected: string,
  got: unknown[],
): Promise<string> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw new Error(`no ${expected}; got ${JSON.stringify(got)}`);
  let timer: NodeJS.Timeout | undefined;
  const chunk = await Promise.race([
    reader.read(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`stream stalled waiting for ${expected}; got ${JSON.stringify(got)}`)), remaining);
    }),
  ]).finally(() => clearTimeout(timer));
  if (chunk.done) throw new Error(`stream ended early; got ${JSON.stringify(got)}`);
  return decoder.decode(chunk.value, { stream: true });
}

/** Reads newline-delimited JSON from a streaming fetch response until `predicate` holds or time runs out. */
export async function readNdjsonUntil(
  response: Response,
  predicate: (line: any) => boolean,
  timeoutMs = 10_000,
): Promise<any[]> {
  const lines: any[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    buffered += await readChunk(reader, decoder, deadline, `the expected line in ${timeoutMs} ms`, lines);
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line === "" || line.startsWith(":")) continue;
      const parsed = JSON.parse(line.startsWith("data:") ? line.slice(5) : line);
      lines.push(parsed);
      if (predicate(parsed)) {
        reader.releaseLock();
        return lines;
      }
    }
  }
}

/** Reads Server-Sent Events (`id:` and `data:` lines) until `predicate` holds for one. */
export async function readSseUntil(
  response: Response,
  predicate: (event: { id?: string; data: any }) => boolean,
  timeoutMs = 10_000,
): Promise<Array<{ id?: string; data: any }>> {
  const events: Array<{ id?: string; data: any }> = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    buffered += await readChunk(reader, decoder, deadline, `a matching event in ${timeoutMs} ms`, events);
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("id:")) id = line.slice(3).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0) continue;
      const event = { id, data: JSON.parse(data.join("\n")) };
      events.push(event);
      if (predicate(event)) {
        reader.releaseLock();
        return events;
      }
    }
  }
}
