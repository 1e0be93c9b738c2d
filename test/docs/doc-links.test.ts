import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO_ROOT } from "../support/daemon-process.js";

// The README is the front door and docs/ holds the rest: a newcomer follows links between them, so every
// relative link must lead to a file that exists and, when it names a heading, to that heading.

interface DocLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

/** The documentation pages: README.md and every markdown file under docs/. */
function documentationFiles(): string[] {
  const docs = join(REPO_ROOT, "docs");
  const pages = readdirSync(docs, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(docs, name));
  return [join(REPO_ROOT, "README.md"), ...pages.sort()];
}

/** Lines outside fenced code blocks, with inline code removed: links are only read from prose. */
function proseLines(text: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  let fenced = false;
  text.split("\n").forEach((raw, index) => {
    if (/^\s*```/.test(raw)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) lines.push({ line: index + 1, text: raw.replace(/`[^`]*`/g, "``") });
  });
  return lines;
}

function linksOf(file: string): DocLink[] {
  const links: DocLink[] = [];
  for (const { line, text } of proseLines(readFileSync(file, "utf8"))) {
    for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      links.push({ file, line, target });
    }
  }
  return links;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    if (/^\s*```/.test(raw)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (!heading) continue;
    const base = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .trim()
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function brokenLinks(): string[] {
  const broken: string[] = [];
  for (const file of documentationFiles()) {
    for (const link of linksOf(file)) {
      const [path, anchor] = link.target.split("#", 2) as [string, string | undefined];
      const target = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
      const where = `${relative(REPO_ROOT, link.file)}:${link.line} → ${link.target}`;
      if (!existsSync(target)) {
        broken.push(`${where}: no such file`);
        continue;
      }
      if (anchor !== undefined && anchor !== "" && target.endsWith(".md") && statSync(target).isFile() && !anchorsOf(target).has(anchor)) {
        broken.push(`${where}: no heading with this anchor in ${relative(REPO_ROOT, target)}`);
      }
    }
  }
  return broken;
}

describe("documentation links", () => {
  it("points every relative link of README.md and docs/ at an existing file and heading", () => {
    expect(brokenLinks()).to.deep.equal([]);
  });

  it("reads a link whose file or heading is missing as broken", () => {
    // The checker itself: the README's own headings are found, and made-up ones are not.
    const readme = join(REPO_ROOT, "README.md");
    expect(anchorsOf(readme).has("quick-start")).to.equal(true);
    expect(anchorsOf(readme).has("no-such-heading")).to.equal(false);
    expect(linksOf(readme).length).to.be.greaterThan(5);
  });
});
