import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { waitFor } from "../../support/wait-for.js";
import { useCliFixture } from "../support/cli-fixture.js";

describe("commander usage, work transcript and work diff (against a real daemon)", function () {
  this.timeout(60_000);
  const f = useCliFixture();
  let workId = "";

  before(async () => {
    const dir = f.newProjectDir("u");
    execFileSync("git", ["init", "-q"], { cwd: dir });
    await f.cliJson(["projects", "add", dir, "--id", "u", "--runtime", "shell"]);
    const item = await f.cliJson<{ id: string }>(["work", "add", "u", "write", "out.txt", "hello"]);
    workId = item.id;
    await waitFor(async () => ((await f.rest<{ state: string }>(`/api/work/${workId}`)).state === "completed" ? true : undefined), {
      timeoutMs: 20_000,
      what: "the item to complete",
    });
  });

  it("prints the totals per project and per day, and the REST JSON with --json", async () => {
    const json = await f.cliJson<{ totals: { work_items: number; cost_usd: number }; projects: Array<{ project_id: string }> }>(["usage", "--project", "u"]);
    expect(json).to.deep.equal(await f.rest("/api/usage?project_id=u"));
    expect(json.totals.work_items).to.equal(1);
    expect(json.projects.map((p) => p.project_id)).to.deep.equal(["u"]);
    const result = await f.cli(["usage", "--no-color"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/total\s+1\s+0\s+\$0\.00 \(\+1 without cost\)/);
    expect(result.stdout).to.include("PROJECT").and.include("DAY (UTC)");
  });

  it("exits 1 naming the field for an unreadable --since", async () => {
    const result = await f.cli(["usage", "--since", "last tuesday"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("since");
  });

  it("shows tokens and cost columns in work list, with - for a runtime that reports none", async () => {
    const result = await f.cli(["work", "list", "--project", "u", "--no-color"], { env: { COLUMNS: "200" } });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/TOKENS\s+COST/);
    expect(result.stdout).to.match(new RegExp(`${workId}.*completed.*\\s-\\s+-\\s+write out.txt hello`));
  });

  it("prints the item's diff, and says plainly that a shell item has no transcript", async () => {
    const diff = await f.cli(["work", "diff", workId, "--no-color"]);
    expect(diff.code, diff.stderr).to.equal(0);
    expect(diff.stdout).to.include("+++ b/out.txt").and.include("+hello");
    const transcript = await f.cli(["work", "transcript", workId]);
    expect(transcript.code, transcript.stderr).to.equal(0);
    expect(transcript.stdout).to.match(/^No transcript: /);
    const show = await f.cli(["work", "show", workId, "--no-color"]);
    expect(show.stdout).to.include("not reported by this runtime").and.include("out.txt +1 -0");
  });

  it("sets a budget and shows it on the project", async () => {
    const result = await f.cli(["usage", "budget", "u", "--daily-usd", "2.5", "--total-tokens", "1000000", "--no-color"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include("Daily USD:").and.include("$2.50").and.include("1000000");
    const project = await f.rest<{ budget: Record<string, unknown> }>("/api/projects/u");
    expect(project.budget).to.deep.equal({ daily_usd: 2.5, total_usd: null, daily_tokens: null, total_tokens: "1000000" });
    const bad = await f.cli(["usage", "budget", "u", "--daily-usd", "-3"]);
    expect(bad.code).to.equal(2);
  });

  it("pauses the project at once when a limit is set below what it already spent", async () => {
    // The shell item reported no tokens: 0 spent already reaches a limit of 0.
    await f.cliJson(["usage", "budget", "u", "--total-tokens", "0"]);
    const project = await f.rest<{ state: string; state_reason: string }>("/api/projects/u");
    expect(project.state).to.equal("paused");
    expect(project.state_reason).to.include("budget total_tokens of 0 tokens reached");
    const events = await f.rest<{ events: Array<{ type: string }> }>("/api/events/pending?project_id=u");
    expect(events.events.map((event) => event.type)).to.deep.equal(["budget"]);
  });
});
