import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import {
  ChangeKind,
  ChangeSchema,
  WatchChangesResponseSchema,
  type Change,
  type WatchChangesRequest,
} from "../../gen/es/commander/v1/watch_service_pb.js";
import { followChanges, type ChangeClients } from "../../src/cli/follow-changes.js";

type Script = (request: Partial<WatchChangesRequest>) => AsyncGenerator<bigint, void>;

/**
 * A daemon that plays one script per connection; a script that is `"down"` makes the health check
 * before it fail as if nothing listened.
 */
function fakeDaemon(scripts: Array<Script | "down">, requests: Array<Partial<WatchChangesRequest>>): ChangeClients {
  const getHealth = async () => {
    if (scripts[0] === "down") {
      scripts.shift();
      throw refused();
    }
    return {};
  };
  const watchChanges = (request: Partial<WatchChangesRequest>) => {
    requests.push(request);
    const script = scripts.shift();
    if (!script || script === "down") throw new Error("no more connections scripted");
    return (async function* () {
      for await (const seq of script(request)) {
        yield create(WatchChangesResponseSchema, { change: create(ChangeSchema, { seq, kind: ChangeKind.WORK_CHANGED, projectId: "p" }) });
      }
    })();
  };
  return {
    watch: { watchChanges } as unknown as ChangeClients["watch"],
    health: { getHealth } as unknown as ChangeClients["health"],
  };
}

const refused = () =>
  new ConnectError("connect ECONNREFUSED", Code.Unavailable, undefined, undefined, Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));

describe("followChanges", () => {
  it("reconnects after a dropped connection, resuming after the last sequence seen", async () => {
    const controller = new AbortController();
    const requests: Array<Partial<WatchChangesRequest>> = [];
    const seen: bigint[] = [];
    const notices: string[] = [];
    await followChanges({
      clients: fakeDaemon(
        [
          async function* () {
            yield 5n;
            yield 6n;
            throw new ConnectError("daemon shutting down", Code.Unavailable);
          },
          "down",
          async function* () {
            yield 7n;
            controller.abort();
          },
        ],
        requests,
      ),
      projectId: "p",
      kinds: [ChangeKind.WORK_CHANGED],
      afterSeq: 4n,
      signal: controller.signal,
      onChange: (change: Change) => seen.push(change.seq),
      onNotice: (text) => notices.push(text),
      initialBackoffMs: 1,
    });
    expect(seen).to.deep.equal([5n, 6n, 7n]);
    expect(requests.map((r) => r.afterSeq)).to.deep.equal([4n, 6n]);
    expect(requests[1]).to.include({ projectId: "p" });
    expect(notices[0]).to.match(/connection lost \(daemon shutting down\); reconnecting in 0s/);
    expect(notices[1]).to.match(/connection lost \(connect ECONNREFUSED\); reconnecting in 0s/);
    expect(notices).to.include("reconnected; resuming after #6");
  });

  it("fails at once when the daemon cannot be reached on the first connection", async () => {
    const err = await followChanges({
      clients: fakeDaemon(["down"], []),
      projectId: "",
      kinds: [],
      afterSeq: 0n,
      signal: new AbortController().signal,
      onChange: () => {},
      onNotice: () => {},
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectError);
  });

  it("fails on errors that reconnecting cannot fix", async () => {
    const err = await followChanges({
      clients: fakeDaemon([async function* () { throw new ConnectError("no such project", Code.NotFound); }], []),
      projectId: "nope",
      kinds: [],
      afterSeq: 0n,
      signal: new AbortController().signal,
      onChange: () => {},
      onNotice: () => {},
    }).catch((e: unknown) => e);
    expect(err).to.have.property("code", Code.NotFound);
  });

  it("continues with live changes when the cursor is older than the retained history", async () => {
    const controller = new AbortController();
    const requests: Array<Partial<WatchChangesRequest>> = [];
    const notices: string[] = [];
    await followChanges({
      clients: fakeDaemon(
        [
          async function* () { throw new ConnectError("oldest available is 50", Code.OutOfRange); },
          async function* () { controller.abort(); },
        ],
        requests,
      ),
      projectId: "",
      kinds: [],
      afterSeq: 3n,
      signal: controller.signal,
      onChange: () => {},
      onNotice: (text) => notices.push(text),
      initialBackoffMs: 1,
    });
    expect(requests.map((r) => r.afterSeq)).to.deep.equal([3n, 0n]);
    expect(notices[0]).to.contain("oldest available is 50");
  });
});
