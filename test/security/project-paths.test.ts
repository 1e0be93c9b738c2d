import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { expect } from "chai";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { rest } from "../support/rest-client.js";
import { expectRestError, startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";

// Project paths are where agents run commands. With `allowed_project_roots`, a project must resolve (all
// symlinks followed) to an existing directory inside a root: no `..`, no symlink and no name prefix gets out.

describe("security: project paths limited to the allowed roots", function () {
  this.timeout(60_000);
  let daemon: E2eDaemon;
  let scratch: string;
  let root: string;
  let outside: string;

  const register = (path: string) => rest(daemon.url, "POST", "/api/projects", { path });

  before(async function () {
    scratch = await realpath(await mkdtemp(join(tmpdir(), "commander-roots-")));
    root = join(scratch, "root");
    outside = join(scratch, "outside");
    await mkdir(join(root, "ok", "nested"), { recursive: true });
    await mkdir(outside, { recursive: true });
    await mkdir(join(scratch, "root-evil"), { recursive: true });
    await mkdir(join(scratch, "linked-root-target", "inside"), { recursive: true });
    await writeFile(join(root, "file.txt"), "not a directory\n");
    await symlink(outside, join(root, "link-out"));
    await symlink(join(root, "ok"), join(root, "link-in"));
    await symlink(join(root, "chain-2"), join(root, "chain-1"));
    await symlink(outside, join(root, "chain-2"));
    await symlink(join(root, "missing-target"), join(root, "dangling"));
    // A configured root may itself be a symlink: it counts as the directory it points to.
    await symlink(join(scratch, "linked-root-target"), join(scratch, "linked-root"));
    daemon = await startE2eDaemon({ env: { COMMANDER_ALLOWED_PROJECT_ROOTS: `${root},${join(scratch, "linked-root")}` } });
  });

  after(async function () {
    await daemon?.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  it("refuses traversal, symlink escapes, name-prefix tricks, relative paths, files and missing paths with 400 INVALID_PATH", async function () {
    const before = (await rest(daemon.url, "GET", "/api/projects")).text;
    const refused: Array<[string, string]> = [
      ["dot-dot out of the root", `${root}/../outside`],
      ["dot-dot from deep inside", `${root}/ok/nested/../../../outside`],
      ["a symlink inside the root to a directory outside", join(root, "link-out")],
      ["a path through that symlink", `${join(root, "link-out")}/.`],
      ["a chain of symlinks ending outside", join(root, "chain-1")],
      ["a dangling symlink", join(root, "dangling")],
      ["a sibling whose name starts with the root's", join(scratch, "root-evil")],
      ["the parent of the root", scratch],
      ["the file system root", "/"],
      ["the home directory", "~"],
      ["a relative path", "root/ok"],
      ["a dot-relative path", "./ok"],
      ["a file", join(root, "file.txt")],
      ["a missing directory", join(root, "missing")],
      ["a NUL byte", `${join(root, "ok")}\u0000/../../outside`],
    ];
    const wrong: string[] = [];
    for (const [what, path] of refused) {
      const res = await register(path);
      if (res.status !== 400 || res.body?.details?.[0]?.reason !== "INVALID_PATH") wrong.push(`${what} (${JSON.stringify(path)}): ${res.status} ${res.text}`);
    }
    expect(wrong).to.deep.equal([]);
    expect((await rest(daemon.url, "GET", "/api/projects")).text, "no project was registered").to.equal(before);
    expectRestError(await register(join(root, "link-out")), 400, "INVALID_PATH", "outside the allowed project roots");
  });

  it("refuses an escape over Connect too", async function () {
    const client = createClient(ProjectService, createConnectTransport({ baseUrl: daemon.url, httpVersion: "1.1" }));
    const error = await client.registerProject({ path: join(root, "link-out") }).then(() => undefined, (reason: unknown) => ConnectError.from(reason));
    expect(error?.code).to.equal(Code.InvalidArgument);
    expect(error?.rawMessage).to.include("outside the allowed project roots");
  });

  it("accepts directories inside a root and stores the resolved path, symlinks followed", async function () {
    const nested = await register(`${root}/ok/./nested/../nested`);
    expect(nested.status, nested.text).to.equal(201);
    expect(nested.body.path).to.equal(join(root, "ok", "nested"));
    const viaLink = await register(join(root, "link-in"));
    expect(viaLink.status, viaLink.text).to.equal(201);
    expect(viaLink.body.path).to.equal(join(root, "ok"));
    const inLinkedRoot = await register(join(scratch, "linked-root", "inside"));
    expect(inLinkedRoot.status, inLinkedRoot.text).to.equal(201);
    expect(inLinkedRoot.body.path).to.equal(join(scratch, "linked-root-target", "inside"));
  });
});
