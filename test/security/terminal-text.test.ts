import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { expect } from "chai";
import { InboxService } from "../../gen/es/commander/v1/inbox_service_pb.js";
import { WorkService } from "../../gen/es/commander/v1/work_service_pb.js";
import { REPO_ROOT, startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";
import { HOSTILE_TEXT as HOSTILE } from "./support/hostile-text.js";

// Work content is typed into a terminal where an agent runs commands. Control characters and escape
// sequences could drive the terminal (or the agent's UI) instead of being read, so they are refused
// before anything is queued; what is accepted reaches the program as the literal text, never as tmux key
// names and never through a shell. The agent here is test/support/fake-agent.mjs under the shell
// runtime, on a private tmux server; it logs every line it receives.

const MAX_CONTENT_BYTES = 2048;

describe("security: text typed into agents' terminals", function () {
  this.timeout(90_000);
  let daemon: DaemonProcess;
  let workDir: string;
  let agentLog: string;
  let projectId: string;
  let marker: string;

  const agentLines = async () =>
    (await readFile(agentLog, "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { line: string }).line);

  async function addAndComplete(content: string): Promise<void> {
    const added = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content });
    expect(added.status, added.text).to.equal(201);
    await waitFor(async () => (await rest(daemon.url, "GET", `/api/work/${added.body.id}`)).body.state === "completed", {
      timeoutMs: 30_000,
      what: `work ${JSON.stringify(content)} to complete`,
    });
  }

  before(async function () {
    workDir = await mkdtemp(join(tmpdir(), "commander-terminal-text-"));
    agentLog = join(workDir, "agent-log.jsonl");
    marker = join(workDir, "pwned");
    daemon = await startDaemon({
      env: {
        COMMANDER_DEFAULT_RUNTIME: "shell",
        COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, join(REPO_ROOT, "test/support/fake-agent.mjs")] } }),
        COMMANDER_MAX_CONTENT_BYTES: String(MAX_CONTENT_BYTES),
        COMMANDER_AGENT_ENV: "FAKE_AGENT_LOG",
        FAKE_AGENT_LOG: agentLog,
      },
    });
    const project = await rest(daemon.url, "POST", "/api/projects", { path: workDir, name: "terminal" });
    expect(project.status, project.text).to.equal(201);
    projectId = project.body.id;
    await addAndComplete("hello before");
  });

  after(async function () {
    await daemon?.stop();
    await daemon?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  it("refuses content with control characters or escape sequences on every route that queues text: 400, nothing queued or typed", async function () {
    const linesBefore = await agentLines();
    const workBefore = (await rest(daemon.url, "GET", "/api/work")).text;
    const inboxBefore = (await rest(daemon.url, "GET", "/api/inbox")).text;
    const routes: Array<[string, (content: string) => unknown]> = [
      ["/api/work", (content) => ({ project_id: projectId, content })],
      [`/api/projects/${projectId}/work`, (content) => ({ content })],
      ["/api/inbox", (content) => ({ project_id: projectId, content })],
      [`/api/projects/${projectId}/messages`, (content) => ({ content })],
    ];
    const wrong: string[] = [];
    for (const [what, content] of HOSTILE) {
      for (const [path, body] of routes) {
        const res = await rest(daemon.url, "POST", path, body(content));
        const named = /content/.test(res.body?.message ?? "") && /control characters/.test(res.body?.message ?? "");
        if (res.status !== 400 || !named) wrong.push(`${what} on ${path}: ${res.status} ${res.text}`);
      }
    }
    expect(wrong).to.deep.equal([]);
    // The same rule over RPC, which goes through the same services.
    const transport = createConnectTransport({ baseUrl: daemon.url, httpVersion: "1.1" });
    for (const call of [
      () => createClient(WorkService, transport).addWork({ projectId, content: "\u001b[31mred" }),
      () => createClient(InboxService, transport).sendMessage({ projectId, content: "\u009bx" }),
    ]) {
      const error = await call().then(() => undefined, (reason: unknown) => ConnectError.from(reason));
      expect(error?.code).to.equal(Code.InvalidArgument);
    }
    expect((await rest(daemon.url, "GET", "/api/work")).text, "nothing queued").to.equal(workBefore);
    expect((await rest(daemon.url, "GET", "/api/inbox")).text, "no message stored").to.equal(inboxBefore);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await agentLines(), "nothing typed").to.deep.equal(linesBefore);
  });

  it("refuses content larger than max_content_bytes with 400 naming the limit", async function () {
    const res = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content: "x".repeat(MAX_CONTENT_BYTES + 1) });
    expect(res.status).to.equal(400);
    expect(res.body.message).to.include(`at most ${MAX_CONTENT_BYTES} bytes`);
    const multibyte = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content: "é".repeat(MAX_CONTENT_BYTES / 2 + 1) });
    expect(multibyte.status, "the limit counts UTF-8 bytes").to.equal(400);
  });

  it("types accepted text literally: tmux key names stay words, shell syntax is never run", async function () {
    const before = await agentLines();
    const literal = ["C-c", "Enter", "Escape", "-l", `$(touch ${marker})`, `; touch ${marker}`, `\`touch ${marker}\``, "naïve ünïcode ✓ 日本"];
    for (const content of literal) await addAndComplete(content);
    const typed = (await agentLines()).slice(before.length);
    expect(typed).to.deep.equal(literal);
    for (const line of await agentLines()) expect(line).to.not.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const created = await access(marker).then(() => true, () => false);
    expect(created, "no shell ran the text").to.equal(false);
  });
});
