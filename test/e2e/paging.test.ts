// AIP-158 paging over REST against the real daemon: the guide's routes answer up to 1,000 items and a
// `next_page_token`, `?page_size=&page_token=` walk the rest, and tokens stay valid while items are added.
import { expect } from "chai";
import { rest } from "../support/rest-client.js";
import { addWork, expectRestError, registerPausedProject, startE2eDaemon, type E2eDaemon } from "./support/e2e-daemon.js";

/** Runs `task` for 0..count-1, at most `parallel` at a time. */
async function inParallel(count: number, parallel: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

describe("paging over REST", function () {
  let daemon: E2eDaemon;
  let url: string;
  let projectIds: string[];
  const originalIds = new Set<string>();

  before(async function () {
    daemon = await startE2eDaemon();
    url = daemon.url;
    // Paused projects keep their queues as the API leaves them; a project holds at most 1,000 unfinished items.
    projectIds = [(await registerPausedProject(daemon)).id, (await registerPausedProject(daemon)).id];
    await inParallel(1500, 16, async (index) => {
      const item = await addWork(url, projectIds[index % 2], { content: `item ${index}` });
      originalIds.add(item.id);
    });
  });

  after(async function () {
    await daemon?.dispose();
  });

  it("answers 1,000 items and a token without page_size, then the other 500 and no token, missing and repeating none while items are added", async function () {
    const first = await rest(url, "GET", "/api/work");
    expect(first.status, first.text).to.equal(200);
    expect(Object.keys(first.body).sort()).to.deep.equal(["next_page_token", "work_items"]);
    expect(first.body.work_items).to.have.length(1000);
    expect(first.body.next_page_token).to.be.a("string").and.not.equal("");

    // Between the pages: items that sort after the position (same priority, newer) and one before it.
    const added: string[] = [];
    for (let index = 0; index < 10; index++) added.push((await addWork(url, projectIds[index % 2], { content: `late ${index}` })).id);
    const urgent = (await addWork(url, projectIds[0], { content: "urgent", priority: "critical" })).id;

    const second = await rest(url, "GET", `/api/work?page_token=${encodeURIComponent(first.body.next_page_token)}`);
    expect(second.status, second.text).to.equal(200);
    expect(second.body.next_page_token).to.equal("");
    expect(second.body.work_items).to.have.length(510);

    const seen = [...first.body.work_items, ...second.body.work_items].map((item: { id: string }) => item.id);
    expect(new Set(seen).size, "no item twice").to.equal(seen.length);
    for (const id of originalIds) expect(seen, `item ${id} listed`).to.include(id);
    expect(seen.slice(-10)).to.deep.equal(added);
    expect(seen).to.not.include(urgent);
  });

  it("walks the pages of ?page_size=&page_token= on the project route too, in dispatch order", async function () {
    const projectId = projectIds[1];
    const all = await rest(url, "GET", `/api/projects/${projectId}/work`);
    const expected = all.body.work_items.map((item: { id: string }) => item.id);
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const query = `page_size=300${token === "" ? "" : `&page_token=${encodeURIComponent(token)}`}`;
      const res = await rest(url, "GET", `/api/projects/${projectId}/work?${query}`);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.work_items.length).to.be.at.most(300);
      seen.push(...res.body.work_items.map((item: { id: string }) => item.id));
      token = res.body.next_page_token;
      pages++;
    } while (token !== "");
    expect(pages).to.equal(Math.ceil(expected.length / 300));
    expect(seen).to.deep.equal(expected);
  });

  it("pages projects, and lowers a page size above 1,000 to 1,000", async function () {
    const first = await rest(url, "GET", "/api/projects?page_size=1");
    expect(first.body.projects.map((project: { id: string }) => project.id)).to.deep.equal([projectIds[0]]);
    const second = await rest(url, "GET", `/api/projects?page_size=1&page_token=${first.body.next_page_token}`);
    expect(second.body.projects.map((project: { id: string }) => project.id)).to.deep.equal([projectIds[1]]);
    expect(second.body.next_page_token).to.equal("");
    const big = await rest(url, "GET", "/api/work?page_size=5000");
    expect(big.status, big.text).to.equal(200);
    expect(big.body.work_items).to.have.length(1000);
  });

  it("refuses a garbled token, a token of other filters and a negative page size with 400 naming the field", async function () {
    expectRestError(await rest(url, "GET", "/api/work?page_token=garbled!"), 400, "INVALID_ARGUMENT", "page_token");
    expectRestError(await rest(url, "GET", "/api/work?page_token=eyJ2IjoxfQ"), 400, "INVALID_ARGUMENT", "page_token");
    const token = (await rest(url, "GET", "/api/work?page_size=5")).body.next_page_token;
    expectRestError(await rest(url, "GET", `/api/work?state=queued&page_token=${token}`), 400, "INVALID_ARGUMENT", "page_token");
    expectRestError(await rest(url, "GET", `/api/projects?page_token=${token}`), 400, "INVALID_ARGUMENT", "page_token");
    expectRestError(await rest(url, "GET", "/api/work?page_size=-1"), 400, "INVALID_ARGUMENT", "page_size");
  });

  it("keeps the inbox's limit and offset, with a token to continue after them", async function () {
    const projectId = projectIds[0];
    const sent: string[] = [];
    for (let index = 0; index < 5; index++) {
      const res = await rest(url, "POST", "/api/inbox", { project_id: projectId, content: `message ${index}` });
      expect(res.status, res.text).to.equal(201);
      sent.push(res.body.id);
    }
    const page = await rest(url, "GET", `/api/inbox?project_id=${projectId}&limit=2&offset=1`);
    expect(page.status, page.text).to.equal(200);
    expect(page.body.total).to.equal(5);
    expect(page.body.messages.map((message: { id: string }) => message.id)).to.deep.equal(sent.slice(1, 3));
    const rest2 = await rest(url, "GET", `/api/inbox?project_id=${projectId}&limit=2&page_token=${page.body.next_page_token}`);
    expect(rest2.body.messages.map((message: { id: string }) => message.id)).to.deep.equal(sent.slice(3, 5));
    expect(rest2.body.next_page_token).to.equal("");
    expectRestError(
      await rest(url, "GET", `/api/inbox?project_id=${projectId}&offset=1&page_token=${page.body.next_page_token}`),
      400,
      "INVALID_ARGUMENT",
      "offset",
    );
    const thread = await rest(url, "GET", `/api/projects/${projectId}/thread?page_size=4`);
    expect(thread.body.messages.map((message: { id: string }) => message.id)).to.deep.equal(sent.slice(0, 4));
    const threadRest = await rest(url, "GET", `/api/projects/${projectId}/thread?page_size=4&page_token=${thread.body.next_page_token}`);
    expect(threadRest.body.messages.map((message: { id: string }) => message.id)).to.deep.equal(sent.slice(4));
  });

  it("pages sessions and events, keeping the events' limit", async function () {
    const created: string[] = [];
    for (const projectId of projectIds) {
      const res = await rest(url, "POST", `/api/projects/${projectId}/sessions`, {});
      expect(res.status, res.text).to.equal(201);
      created.push(res.body.id);
    }
    const sessions = await rest(url, "GET", "/api/sessions?page_size=1");
    expect(sessions.status, sessions.text).to.equal(200);
    expect(sessions.body.sessions.map((session: { id: string }) => session.id)).to.deep.equal(created.slice(0, 1));
    const moreSessions = await rest(url, "GET", `/api/sessions?page_size=1&page_token=${sessions.body.next_page_token}`);
    expect(moreSessions.body.sessions.map((session: { id: string }) => session.id)).to.deep.equal(created.slice(1));
    expect(moreSessions.body.next_page_token).to.equal("");
    const pending = await rest(url, "GET", "/api/events/pending?page_size=10");
    expect(pending.status, pending.text).to.equal(200);
    expect(pending.body).to.have.property("next_page_token", "");
    const events = await rest(url, "GET", "/api/events?limit=5");
    expect(events.status, events.text).to.equal(200);
    expect(events.body.events.length).to.be.at.most(5);
    expectRestError(await rest(url, "GET", "/api/events?limit=1001"), 400, "INVALID_ARGUMENT", "limit");
  });
});
