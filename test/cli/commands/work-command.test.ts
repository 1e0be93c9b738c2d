import { expect } from "chai";
import { useCliFixture } from "../support/cli-fixture.js";

interface WorkJson {
  id: string;
  project_id: string;
  content: string;
  state: string;
  priority: string;
  depends_on: string[];
  result: string | null;
  error: string | null;
}

describe("commander work (against a real daemon)", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  const f = useCliFixture();
  let first: WorkJson;

  before(async () => {
    await f.cliJson(["projects", "add", f.newProjectDir("w"), "--id", "w", "--runtime", "shell"]);
    // Paused, so the agent does not pick the items up while the tests look at the queue.
    await f.cliJson(["projects", "pause", "w"]);
  });

  it("queues a prompt with the default priority, joining the words", async () => {
    const result = await f.cli(["work", "add", "w", "Set", "up", "the", "project"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^Queued work-[0-9a-f]{12} for w \(medium\)\n$/);
  });

  it("queues a prompt with a priority given in any case, printing the REST JSON", async () => {
    first = await f.cliJson<WorkJson>(["work", "add", "w", "Write the tests", "--priority", "HIGH"]);
    expect(first).to.include({ project_id: "w", content: "Write the tests", state: "queued", priority: "high", result: null });
    expect(first).to.deep.equal(await f.rest(`/api/work/${first.id}`));
  });

  it("queues a prompt that depends on another", async () => {
    const item = await f.cliJson<WorkJson>(["work", "add", "w", "Ship it", "-p", "critical", "--depends-on", first.id]);
    expect(item.depends_on).to.deep.equal([first.id]);
    expect(item.priority).to.equal("critical");
  });

  it("exits 1 with INVALID_DEPENDENCY for an unknown dependency", async () => {
    const result = await f.cli(["work", "add", "w", "x", "--depends-on", "work-000000000000"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^error: .*work-000000000000.* \(INVALID_DEPENDENCY\)\n$/);
  });

  it("exits 2 for an unknown priority, naming the accepted ones", async () => {
    const result = await f.cli(["work", "add", "w", "x", "--priority", "urgent"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain("expected one of: low, medium, high, critical");
  });

  it("lists work in dispatch order, as a table", async () => {
    const result = await f.cli(["work", "list", "--project", "w"]);
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).to.match(/^ID\s+PROJECT\s+STATE\s+PRIORITY\s+ADDED\s+TOKENS\s+COST\s+CONTENT$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/)[3])).to.deep.equal(["critical", "high", "medium"]);
  });

  it("filters work by state and priority, printing the REST JSON", async () => {
    const listed = await f.cliJson<{ work_items: WorkJson[] }>(["work", "list", "--state", "queued", "--priority", "high"]);
    expect(listed.work_items.map((w) => w.id)).to.deep.equal([first.id]);
    expect(listed).to.deep.equal(await f.rest("/api/work?state=queued&priority=high"));
  });

  it("shows one work item", async () => {
    const result = await f.cli(["work", "show", first.id]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`^ID:\\s+${first.id}$`, "m"));
    expect(result.stdout).to.match(/^Priority:\s+high$/m);
    expect(result.stdout).to.match(/^Content:\s+Write the tests$/m);
  });

  it("completes a work item with its result", async () => {
    const result = await f.cli(["work", "complete", first.id, "--result", "All green"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(`Completed ${first.id}\n`);
    expect(await f.cliJson<WorkJson>(["work", "show", first.id])).to.include({ state: "completed", result: "All green" });
  });

  it("exits 1 with WORK_STATE_CONFLICT when completing an item that has ended", async () => {
    const result = await f.cli(["work", "complete", first.id]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^error: work item .* is completed.* \(WORK_STATE_CONFLICT\)\n$/);
  });

  it("cancels a work item with a reason", async () => {
    const item = await f.cliJson<WorkJson>(["work", "add", "w", "Not needed"]);
    const cancelled = await f.cliJson<WorkJson>(["work", "cancel", item.id, "--reason", "changed my mind"]);
    expect(cancelled).to.include({ state: "cancelled", error: "changed my mind" });
  });

  it("exits 1 with WORK_NOT_FOUND for an unknown item", async () => {
    const result = await f.cli(["work", "show", "work-000000000000"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/\(WORK_NOT_FOUND\)\n$/);
  });
});
