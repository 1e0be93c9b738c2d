import { expect } from "chai";
import {
  compareSpecificity,
  matchPathTemplate,
  parsePathTemplate,
  templateShapeKey,
} from "../../src/gateway/path-template.js";

describe("path templates", () => {
  describe("parsing", () => {
    it("parses literals and a simple variable", () => {
      const template = parsePathTemplate("/api/projects/{project_id}");
      expect(template.segments).to.deep.equal([
        { kind: "literal", value: "api" },
        { kind: "literal", value: "projects" },
        { kind: "wildcard" },
      ]);
      expect(template.variables).to.deep.equal([{ fieldPath: ["project_id"], start: 2, end: 3 }]);
      expect(template.verb).to.equal(undefined);
    });

    it("treats {field=*} like {field}", () => {
      const short = parsePathTemplate("/a/{id}");
      const long = parsePathTemplate("/a/{id=*}");
      expect(long.segments).to.deep.equal(short.segments);
      expect(long.variables).to.deep.equal(short.variables);
    });

    it("parses {field=**} and multi-segment variables", () => {
      const deep = parsePathTemplate("/files/{path=**}");
      expect(deep.segments.at(-1)).to.deep.equal({ kind: "deep" });
      const nested = parsePathTemplate("/v1/{name=projects/*/work/*}");
      expect(nested.segments).to.have.length(5);
      expect(nested.variables).to.deep.equal([{ fieldPath: ["name"], start: 1, end: 5 }]);
    });

    it("parses nested field paths", () => {
      const template = parsePathTemplate("/v1/{project.id}/work");
      expect(template.variables[0].fieldPath).to.deep.equal(["project", "id"]);
    });

    it("parses a custom verb", () => {
      const template = parsePathTemplate("/v1/work/{work_id}:cancel");
      expect(template.verb).to.equal("cancel");
      expect(template.segments).to.have.length(3);
    });

    for (const bad of ["api/x", "/a/**/b", "/a/{x", "/a/{x}/{x}", "/a/{b{c}}", "/a//b", "/a/{x-y}", "/a:"]) {
      it(`rejects the malformed template ${bad}`, () => {
        expect(() => parsePathTemplate(bad)).to.throw(/invalid path template/);
      });
    }
  });

  describe("matching", () => {
    it("binds variables from decoded segments", () => {
      const template = parsePathTemplate("/api/projects/{project_id}/work/{work_id}");
      const values = matchPathTemplate(template, ["api", "projects", "p 1", "work", "w2"]);
      expect(Object.fromEntries(values ?? [])).to.deep.equal({ project_id: "p 1", work_id: "w2" });
    });

    it("binds the rest of the path to a ** variable", () => {
      const template = parsePathTemplate("/files/{path=**}");
      expect(matchPathTemplate(template, ["files", "a", "b", "c.txt"])?.get("path")).to.equal("a/b/c.txt");
      expect(matchPathTemplate(template, ["files"])?.get("path")).to.equal("");
    });

    it("does not match a different length, a different literal or an empty segment", () => {
      const template = parsePathTemplate("/api/projects/{project_id}");
      expect(matchPathTemplate(template, ["api", "projects"])).to.equal(undefined);
      expect(matchPathTemplate(template, ["api", "project", "p1"])).to.equal(undefined);
      expect(matchPathTemplate(template, ["api", "projects", ""])).to.equal(undefined);
    });
  });

  describe("specificity", () => {
    const specific = (a: string, b: string) => compareSpecificity(parsePathTemplate(a), parsePathTemplate(b));

    it("prefers a literal segment over a variable", () => {
      expect(specific("/api/events/pending", "/api/events/{event_id}")).to.be.greaterThan(0);
      expect(specific("/api/events/{event_id}", "/api/events/stream")).to.be.lessThan(0);
    });

    it("prefers * over ** and an exact end over **", () => {
      expect(specific("/files/{name}", "/files/{path=**}")).to.be.greaterThan(0);
      expect(specific("/files", "/files/{path=**}")).to.be.greaterThan(0);
    });

    it("prefers a template with a verb on a tie", () => {
      expect(specific("/work/{id}:cancel", "/work/{id}")).to.be.greaterThan(0);
    });

    it("gives equivalent templates the same shape key whatever the variable names", () => {
      const a = templateShapeKey(parsePathTemplate("/api/sessions/{project_id}"));
      const b = templateShapeKey(parsePathTemplate("/api/sessions/{session_id=*}"));
      expect(a).to.equal(b);
      expect(templateShapeKey(parsePathTemplate("/api/sessions/{id}:stop"))).to.not.equal(a);
    });
  });
});
