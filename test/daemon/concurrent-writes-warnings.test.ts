import { expect } from "chai";
import { registerPausedProject, startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";
import { rest } from "../support/rest-client.js";

describe("the real daemon under many concurrent writes", function () {
  this.timeout(60_000);
  let daemon: E2eDaemon;

  before(async () => {
    daemon = await startE2eDaemon();
  });

  after(async () => {
    await daemon.dispose();
  });

  it("prints no process warning (MaxListenersExceededWarning) while 150 writes queue behind the journal", async () => {
    const project = await registerPausedProject(daemon);
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, index) => rest(daemon.url, "POST", "/api/work", { project_id: project.id, content: `item ${index}` })),
    );
    expect(answers.map((answer) => answer.status)).to.deep.equal(answers.map(() => 201));
    // A health call afterwards: any warning of the burst has been written by then.
    expect((await rest(daemon.url, "GET", "/api/health")).status).to.equal(200);
    expect(daemon.output()).not.to.match(/Warning:/);
  });
});
