import { expect } from "chai";
import { useCliFixture } from "../support/cli-fixture.js";

interface WorkListJson {
  work_items: Array<{ id: string }>;
  next_page_token: string;
}

describe("commander list commands follow pages (against a real daemon)", function () {
  this.timeout(60_000);
  const f = useCliFixture();
  let everyId: string[];

  before(async function () {
    // 1,001 items (a project holds at most 1,000 unfinished ones): more than one page of the daemon.
    const projects = ["paged-a", "paged-b"];
    for (const id of projects) {
      await f.cliJson(["projects", "add", f.newProjectDir(id), "--id", id, "--runtime", "shell"]);
      await f.cliJson(["projects", "pause", id]);
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 1001) {
          const index = next++;
          const res = await fetch(`${f.daemon.url}/api/work`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ project_id: projects[index % 2], content: `item ${index}` }),
          });
          expect(res.status).to.equal(201);
        }
      }),
    );
    const first = await f.rest<WorkListJson>("/api/work");
    const second = await f.rest<WorkListJson>(`/api/work?page_token=${first.next_page_token}`);
    everyId = [...first.work_items, ...second.work_items].map((item) => item.id);
    expect(everyId).to.have.length(1001);
  });

  it("lists every item of a listing longer than one page", async function () {
    const listed = await f.cliJson<WorkListJson>(["work", "list"]);
    expect(listed.work_items.map((item) => item.id)).to.deep.equal(everyId);
    expect(listed.next_page_token).to.equal("");
    const table = await f.cli(["work", "list"]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout.trimEnd().split("\n")).to.have.length(1 + 1001);
  });

  it("caps the list at --limit, across a page boundary, with the token that continues after it", async function () {
    const listed = await f.cliJson<WorkListJson>(["work", "list", "--limit", "1000"]);
    expect(listed.work_items.map((item) => item.id)).to.deep.equal(everyId.slice(0, 1000));
    const after = await f.rest<WorkListJson>(`/api/work?page_token=${listed.next_page_token}`);
    expect(after.work_items.map((item) => item.id)).to.deep.equal(everyId.slice(1000));
  });

  it("shows --limit rows and says that more exist", async function () {
    const result = await f.cli(["work", "list", "--limit", "3"]);
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).to.have.length(1 + 3 + 1);
    expect(lines.slice(1, 4).map((line) => line.split(/\s+/)[0])).to.deep.equal(everyId.slice(0, 3));
    expect(lines[4]).to.equal("more exist; raise --limit to see them");
  });

  it("caps projects at --limit", async function () {
    const listed = await f.cliJson<{ projects: Array<{ id: string }> }>(["projects", "list", "--limit", "1"]);
    expect(listed.projects.map((project) => project.id)).to.deep.equal(["paged-a"]);
  });

  it("refuses --limit 0 with exit code 2", async function () {
    const result = await f.cli(["work", "list", "--limit", "0"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain("--limit");
  });
});
