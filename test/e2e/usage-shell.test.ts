import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";

// Usage of a runtime that reports no tokens (the shell runtime with test/support/fake-agent.mjs): wall
// time and the files changed are recorded, the tokens are absent with a reason, never zeros.

describe("usage of shell-runtime items (real tmux, real git)", function () {
  this.timeout(60_000);
  let daemon: DaemonProcess;
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "commander-usage-shell-"));
    daemon = await startDaemon({
      env: {
        COMMANDER_DEFAULT_RUNTIME: "shell",
        COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, join(REPO_ROOT, "test/support/fake-agent.mjs")] } }),
      },
    });
  });

  after(async () => {
    await daemon?.stop();
    await daemon?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd, encoding: "utf8" });

  async function run(dir: string, content: string) {
    const projectId = (await rest(daemon.url, "POST", "/api/projects", { path: dir })).body.id;
    const id = (await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content })).body.id;
    const done = await waitFor(
      async () => {
        const item = (await rest(daemon.url, "GET", `/api/work/${id}`)).body;
        return item.state === "completed" ? item : undefined;
      },
      { timeoutMs: 20_000, what: `${id} to complete` },
    );
    return { projectId, id, done };
  }

  it("records the files an item changed in a git repository, with line counts and a diff, leaving the index alone", async () => {
    const dir = await mkdtemp(join(workDir, "repo-"));
    git(dir, "init", "-q");
    await writeFile(join(dir, "kept.txt"), "old\n");
    git(dir, "add", "kept.txt");
    git(dir, "commit", "-q", "-m", "start");
    await writeFile(join(dir, "staged.txt"), "staged by the user\n");
    git(dir, "add", "staged.txt");
    const indexBefore = await readFile(join(dir, ".git", "index"));
    const statusBefore = git(dir, "status", "--porcelain");

    const { id, done } = await run(dir, "write notes.txt hello from the agent");
    expect(done.usage.changed_files).to.deep.equal([{ path: "notes.txt", added: 1, removed: 0, binary: false }]);
    expect(done.usage.tokens ?? null).to.equal(null);
    expect(done.usage.tokens_missing_reason).to.equal("not reported by this runtime");
    expect(done.usage.cost_usd ?? null).to.equal(null);
    expect(Number(done.usage.wall_time_ms)).to.be.greaterThan(0);
    expect(done.usage.waiting_time_ms).to.equal("0");

    const diff = (await rest(daemon.url, "GET", `/api/work/${id}/diff`)).body;
    expect(diff.files).to.have.length(1);
    expect(diff.files[0].path).to.equal("notes.txt");
    expect(diff.files[0].diff).to.include("+hello from the agent");
    // The user's index and branch are untouched: staged.txt is still staged, notes.txt untracked.
    expect(await readFile(join(dir, ".git", "index"))).to.deep.equal(indexBefore);
    expect(git(dir, "status", "--porcelain")).to.equal(`${statusBefore}?? notes.txt\n`);
    expect(git(dir, "log", "--oneline")).to.have.length.greaterThan(0);
    expect(git(dir, "log", "--oneline").trim().split("\n")).to.have.length(1);
  });

  it("sends the usage on the change feed with the item's completion", async () => {
    const dir = await mkdtemp(join(workDir, "feed-"));
    git(dir, "init", "-q");
    const { projectId, id } = await run(dir, "write feed.txt a line");
    const controller = new AbortController();
    const response = await fetch(`${daemon.url}/api/changes?project_id=${projectId}&kinds=work_changed&after_seq=1`, { signal: controller.signal });
    const reader = response.body!.getReader();
    let buffer = "";
    let completion: any;
    try {
      while (!completion) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += Buffer.from(value).toString("utf8");
        const lines = buffer.split("\n");
        buffer = lines.pop()!;
        for (const line of lines.filter(Boolean)) {
          const change = JSON.parse(line).result.change;
          if (change.work_item?.id === id && change.work_item.state === "completed") completion = change.work_item;
        }
      }
    } finally {
      controller.abort();
    }
    expect(completion.usage.changed_files).to.deep.equal([{ path: "feed.txt", added: 1, removed: 0, binary: false }]);
  });

  it("says plainly that a project outside git has no diff", async () => {
    const dir = await mkdtemp(join(workDir, "plain-"));
    const { id, done } = await run(dir, "write notes.txt hi");
    expect(done.usage.changed_files ?? []).to.deep.equal([]);
    expect(done.usage.changed_files_missing_reason).to.equal("the project is not a git repository");
    const diff = (await rest(daemon.url, "GET", `/api/work/${id}/diff`)).body;
    expect(diff.files ?? []).to.deep.equal([]);
    expect(diff.missing_reason).to.equal("the project is not a git repository");
  });
});
