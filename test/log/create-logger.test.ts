import { expect } from "chai";
import { createLogger, logDestination, pickLogFormat } from "../../src/log/create-logger.js";
import { duplicateJsonKeys } from "../support/duplicate-json-keys.js";

function capture(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => lines.push(line) } };
}

describe("createLogger", () => {
  it("scans duplicate keys the way the log tests need", () => {
    expect(duplicateJsonKeys('{"a":1,"b":{"a":2,"c":[{"a":3}]},"a":4}')).to.deep.equal(["a"]);
    expect(duplicateJsonKeys('{"a":"x,\\"a\\":1","b":[1,2]}')).to.deep.equal([]);
  });

  it("writes each key once: nested components form one dotted path, and the innermost value of any other field wins", () => {
    const { lines, destination } = capture();
    const root = createLogger("debug", destination);
    const driver = root.child({ component: "agents" }).child({ component: "tmux", sessionId: "s1" }).child({ component: "tmux-driver", sessionId: "s2" });
    driver.info({ sessionId: "s3", projectId: "p1" }, "pane output read");
    root.child({ component: "server" }).warn("plain");
    expect(lines).to.have.length(2);
    for (const line of lines) expect(duplicateJsonKeys(line), line).to.deep.equal([]);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(first).to.include({ component: "agents.tmux.tmux-driver", sessionId: "s3", projectId: "p1", msg: "pane output read" });
    expect(JSON.parse(lines[1])).to.include({ component: "server", msg: "plain" });
  });

  it("keeps the parent's level for a child that binds a field again", () => {
    const { lines, destination } = capture();
    const parent = createLogger("debug", destination).child({ component: "a", sessionId: "s1" });
    parent.level = "warn";
    const child = parent.child({ sessionId: "s2" });
    expect(child.level).to.equal("warn");
    child.info("hidden");
    child.warn("shown");
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).to.have.length(1);
    expect(JSON.parse(lines[0])).to.include({ component: "a", sessionId: "s2", msg: "shown" });
  });

  it("still redacts secrets", () => {
    const { lines, destination } = capture();
    createLogger("info", destination).child({ component: "a" }).info({ token: "t0ps3cret", headers: { authorization: "Bearer x" } }, "call");
    expect(lines[0]).not.to.match(/t0ps3cret|Bearer x/);
  });
});

describe("logDestination", () => {
  it("makes readable lines through pino-pretty, which is loaded only for them", () => {
    const destination = logDestination("pretty");
    expect(destination.write).to.be.a("function");
  });
});

describe("pickLogFormat", () => {
  it("picks readable lines for a terminal and JSON otherwise, unless a format is set", () => {
    expect(pickLogFormat("auto", true)).to.equal("pretty");
    expect(pickLogFormat("auto", false)).to.equal("json");
    expect(pickLogFormat("json", true)).to.equal("json");
    expect(pickLogFormat("pretty", false)).to.equal("pretty");
  });
});
