import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { expect } from "chai";
import { AgentHookService } from "../../gen/es/commander/v1/agent_hook_service_pb.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";
import { startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";

// Each agent session gets its own random hook secret, in its environment only. A hook call is accepted
// only with that session's secret and only for that session: neither the API token, nor another
// session's secret, nor a guess gets through. The "claude" here is a script that records the secret it
// was launched with, then shows Claude Code's input line (so it is ready, and stops with the daemon).

const TOKEN = "api-token-for-hook-tests-5b2e9d";

describe("security: agent hook secrets", function () {
  this.timeout(90_000);
  let daemon: E2eDaemon;
  let scratch: string;
  let secretsFile: string;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const sessions: Array<{ projectId: string; sessionId: string; secret: string }> = [];

  const hook = (sessionId: string, authorization: string | undefined, payload: unknown = { hook_event_name: "Notification" }) =>
    rest(daemon.url, "POST", `/api/hooks/${sessionId}`, payload, authorization === undefined ? {} : { authorization });

  async function startSession(): Promise<void> {
    const dir = await daemon.newProjectDir("hooked");
    const project = await rest(daemon.url, "POST", "/api/projects", { path: dir, runtime: "claude-code" }, auth);
    expect(project.status, project.text).to.equal(201);
    const created = await rest(daemon.url, "POST", "/api/sessions", { project_id: project.body.id }, auth);
    expect(created.status, created.text).to.equal(201);
    const started = await rest(daemon.url, "POST", `/api/sessions/${project.body.id}/start`, {}, auth);
    expect(started.status, started.text).to.equal(200);
    const secret = await waitFor(
      async () => {
        const lines = (await readFile(secretsFile, "utf8").catch(() => "")).split("\n").filter(Boolean);
        return lines.length > sessions.length ? lines[sessions.length] : undefined;
      },
      { timeoutMs: 30_000, what: "the agent to be launched with its secret" },
    );
    expect(secret).to.match(/^[0-9a-f]{48}$/);
    sessions.push({ projectId: project.body.id, sessionId: created.body.id, secret });
  }

  before(async function () {
    scratch = await mkdtemp(join(tmpdir(), "commander-hooks-"));
    secretsFile = join(scratch, "secrets.txt");
    const script = join(scratch, "fake-claude.sh");
    await writeFile(
      script,
      `#!/bin/sh\nprintf '%s\\n' "$COMMANDER_HOOK_SECRET" >> '${secretsFile}'\nprintf '\\342\\235\\257 '\nexec cat\n`,
      { mode: 0o755 },
    );
    daemon = await startE2eDaemon({
      args: ["--log-level", "debug"],
      env: { COMMANDER_TOKEN: TOKEN, COMMANDER_RUNTIMES: JSON.stringify({ "claude-code": { command: [script] } }) },
    });
    await startSession();
    await startSession();
  });

  after(async function () {
    await daemon?.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  it("accepts a session's own secret for that session, over REST and RPC, without the API token", async function () {
    const [a] = sessions;
    const res = await hook(a.sessionId, `Bearer ${a.secret}`);
    expect(res.status, res.text).to.equal(200);
    const client = createClient(AgentHookService, createConnectTransport({ baseUrl: daemon.url, httpVersion: "1.1" }));
    const answer = await client.reportHook({ sessionId: a.sessionId, payload: { hook_event_name: "Notification" } }, { headers: { authorization: `Bearer ${a.secret}` } });
    expect(answer.output).to.deep.equal({});
  });

  it("refuses a forged hook call for another session, carrying a real secret of a different session: 401", async function () {
    const [a, b] = sessions;
    for (const [target, secret] of [[b.sessionId, a.secret], [a.sessionId, b.secret]]) {
      const res = await hook(target, `Bearer ${secret}`, { hook_event_name: "Stop", last_assistant_message: "forged" });
      expect(res.status, res.text).to.equal(401);
      expect(res.body.details[0].reason).to.equal("UNAUTHENTICATED");
    }
    const client = createClient(AgentHookService, createConnectTransport({ baseUrl: daemon.url, httpVersion: "1.1" }));
    const error = await client
      .reportHook({ sessionId: b.sessionId, payload: { hook_event_name: "Stop" } }, { headers: { authorization: `Bearer ${a.secret}` } })
      .then(() => undefined, (reason: unknown) => ConnectError.from(reason));
    expect(error?.code).to.equal(Code.Unauthenticated);
  });

  it("refuses hook calls with no secret, the API token, a guess, or a secret for a session that does not exist", async function () {
    const [a] = sessions;
    const attempts: Array<[string, string, string | undefined]> = [
      ["no Authorization", a.sessionId, undefined],
      ["the API token", a.sessionId, `Bearer ${TOKEN}`],
      ["a guessed secret", a.sessionId, `Bearer ${"0".repeat(48)}`],
      ["the secret without Bearer", a.sessionId, a.secret],
      ["the secret with a suffix", a.sessionId, `Bearer ${a.secret}0`],
      ["an unknown session", "session-000000000000", `Bearer ${a.secret}`],
      ["a dot-segment path", `${sessions[1].sessionId}/..%2F${a.sessionId}`, `Bearer ${a.secret}`],
    ];
    for (const [what, sessionId, authorization] of attempts) {
      const res = await hook(sessionId, authorization);
      expect(res.status, `${what}: ${res.text}`).to.be.oneOf([401, 404]);
      if (what !== "a dot-segment path") expect(res.status, what).to.equal(401);
    }
  });

  it("keeps every secret out of the log and out of the state directory's files", async function () {
    const output = daemon.output();
    for (const { secret } of sessions) expect(output).to.not.include(secret);
    expect(output).to.not.include(TOKEN);
    const leaks: string[] = [];
    const visit = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await visit(path);
        else if (entry.isFile() && (await stat(path)).size < 10_000_000) {
          const text = await readFile(path, "utf8").catch(() => "");
          for (const { secret } of sessions) if (text.includes(secret)) leaks.push(path);
        }
      }
    };
    await visit(daemon.stateDir);
    expect(leaks).to.deep.equal([]);
  });
});
