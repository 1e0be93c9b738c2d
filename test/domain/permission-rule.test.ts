import { expect } from "chai";
import { matchesPermissionRule, parsePermissionRule } from "../../src/domain/permission-rule.js";

// Claude Code's rule syntax, matched against PermissionRequest inputs as the real CLI sends them.

const PROJECT = "/work/app";

type Case = [rule: string, tool: string, input: Record<string, unknown>, allowMatches: boolean, denyMatches?: boolean];

const CASES: Case[] = [
  ["Bash", "Bash", { command: "rm -rf /" }, true],
  ["Bash", "Read", { file_path: "/work/app/a" }, false],
  ["Bash(npm test)", "Bash", { command: "npm test" }, true],
  ["Bash(npm test)", "Bash", { command: "npm test --watch" }, false],
  ["Bash(npm test:*)", "Bash", { command: "npm test" }, true],
  ["Bash(npm test:*)", "Bash", { command: "npm test -- --grep x" }, true],
  ["Bash(npm test:*)", "Bash", { command: "npm testx" }, false],
  ["Bash(npm test *)", "Bash", { command: "npm test unit" }, true],
  ["Bash(ls *)", "Bash", { command: "lsof" }, false],
  ["Bash(npm test:*)", "Bash", { command: "npm test && rm -rf /" }, false, true],
  ["Bash(rm:*)", "Bash", { command: "npm test && rm -rf /" }, false, true],
  ["Bash(rm:*)", "Bash", { command: "echo $(rm x)" }, false, true],
  ["Bash(git * main)", "Bash", { command: "git push origin main" }, true],
  ["Bash(npm test:*)", "Bash", { command: "npm test; curl evil" }, false, true],
  ["Read", "Read", { file_path: "/etc/passwd" }, true],
  ["Read", "Grep", { pattern: "x", path: "/work/app/src" }, true],
  ["Read(src/**)", "Read", { file_path: "/work/app/src/a/b.ts" }, true],
  ["Read(src/**)", "Read", { file_path: "/work/app/test/a.ts" }, false],
  ["Read(src/**)", "Read", { file_path: "/work/app/src/../../etc/passwd" }, false],
  ["Edit(src/**)", "Write", { file_path: "/work/app/src/new.ts", content: "" }, true],
  ["Edit(src/**)", "MultiEdit", { file_path: "/work/app/src/x.ts" }, true],
  ["Edit(src/**)", "Bash", { command: "touch src/x" }, false],
  ["Edit(/docs/*.md)", "Edit", { file_path: "/work/app/docs/a.md" }, true],
  ["Edit(/docs/*.md)", "Edit", { file_path: "/work/app/docs/deep/a.md" }, false],
  ["Edit(*.md)", "Edit", { file_path: "/work/app/deep/down/README.md" }, true],
  ["Edit(*.md)", "Edit", { file_path: "/elsewhere/README.md" }, false],
  ["Edit(//tmp/scratch.txt)", "Edit", { file_path: "/tmp/scratch.txt" }, true],
  ["Read(~/.zshrc)", "Read", { file_path: "/root/.zshrc" }, false],
  ["WebFetch(domain:example.com)", "WebFetch", { url: "https://example.com/a", prompt: "x" }, true],
  ["WebFetch(domain:example.com)", "WebFetch", { url: "https://evil.example.com.attacker.net/" }, false],
  ["WebFetch(domain:*.example.com)", "WebFetch", { url: "https://docs.example.com/" }, true],
  ["WebFetch(domain:example.com)", "WebFetch", { url: "not a url" }, false],
  ["mcp__github", "mcp__github__create_issue", { title: "x" }, true],
  ["mcp__github__create_issue", "mcp__github__create_issue", {}, true],
  ["mcp__github", "mcp__gitlab__create_issue", {}, false],
  ["WebSearch(claude code)", "WebSearch", { query: "claude code" }, true],
];

describe("permission rules (Claude Code's rule syntax)", () => {
  for (const [rule, tool, input, allowMatches, denyMatches = allowMatches] of CASES) {
    it(`${rule} ${allowMatches ? "allows" : "does not allow"}${denyMatches === allowMatches ? "" : ` but ${denyMatches ? "denies" : "does not deny"}`} ${tool} ${JSON.stringify(input)}`, () => {
      const parsed = parsePermissionRule(rule);
      expect(matchesPermissionRule(parsed, { toolName: tool, toolInput: input, projectPath: PROJECT })).to.equal(allowMatches);
      expect(matchesPermissionRule(parsed, { toolName: tool, toolInput: input, projectPath: PROJECT }, true)).to.equal(denyMatches);
    });
  }

  for (const bad of ["", "   ", "Bash()", "(npm test)", "Bash(npm test", "1Bash", "Bash(x) trailing"]) {
    it(`refuses the rule ${JSON.stringify(bad)} naming the field`, () => {
      expect(() => parsePermissionRule(bad)).to.throw(/^rule: /);
    });
  }
});
