import { invalidField } from "./commander-error.js";

// Claude Code's permission rule syntax (https://docs.claude.com/en/docs/claude-code/iam#permission-rules),
// matched against a PermissionRequest's `tool_name` and `tool_input`:
//   `Tool`                       every use of the tool (`mcp__server` every tool of that MCP server)
//   `Bash(npm test)`             exactly that command; `Bash(npm test:*)` or `Bash(npm test *)` that
//                                command and its arguments (word boundary); `*` elsewhere is a wildcard
//   `Read(src/**)`, `Edit(*.md)` gitignore-style paths: relative to the project, `//abs` absolute,
//                                a pattern without `/` matches the file name at any depth; `Edit`
//                                covers every editing tool (Write, MultiEdit, NotebookEdit), `Read`
//                                covers Grep and Glob
//   `WebFetch(domain:host)`      URLs on that host (`*.host` also its subdomains)
// Where Claude Code would need judgement this matcher cannot make, it does not match: an allow rule
// never lets through a compound shell command (`&&`, `;`, `|`, substitutions), while a deny rule denies
// it when any of its parts matches.

export interface PermissionRule {
  /** The rule as written. */
  text: string;
  tool: string;
  /** What is inside the parentheses, or null for a whole-tool rule. */
  content: string | null;
}

export interface PermissionRequestFacts {
  toolName: string;
  toolInput: Record<string, unknown>;
  /** The project's directory: relative path patterns are relative to it. */
  projectPath: string;
}

const RULE = /^([A-Za-z][A-Za-z0-9_-]*)(?:\((.*)\))?$/s;
const EDIT_TOOLS = new Set(["Edit", "Write", "MultiEdit", "NotebookEdit"]);
const READ_TOOLS = new Set(["Read", "Grep", "Glob", "NotebookRead"]);
// Shell syntax that joins or nests commands: a prefix rule cannot vouch for what follows it.
const COMPOUND = /&&|\|\||[;|&\n`]|\$\(|<\(|>\(/;

/** Parses a rule; a bad one is an invalid `field` naming what is wrong. */
export function parsePermissionRule(text: string, field = "rule"): PermissionRule {
  const trimmed = text.trim();
  if (trimmed === "") throw invalidField(field, "must not be empty");
  if (trimmed.length > 1000) throw invalidField(field, "must be at most 1000 characters");
  const match = RULE.exec(trimmed);
  if (!match) {
    throw invalidField(field, `${JSON.stringify(trimmed)} is not a Claude Code permission rule (Tool or Tool(specifier), e.g. Bash(npm test:*))`);
  }
  const content = match[2] === undefined ? null : match[2].trim();
  if (content === "") throw invalidField(field, `${JSON.stringify(trimmed)} has empty parentheses; write ${match[1]} for every use of the tool`);
  return { text: trimmed, tool: match[1], content };
}

/** Whether `rule` covers the request; `forDeny` reads compound shell commands the way a deny rule must. */
export function matchesPermissionRule(rule: PermissionRule, request: PermissionRequestFacts, forDeny = false): boolean {
  if (!toolCovered(rule.tool, request.toolName)) return false;
  if (rule.content === null || rule.content === "*") return true;
  const input = request.toolInput;
  if (rule.tool === "Bash") {
    const command = stringField(input, "command");
    if (command === null) return false;
    if (!COMPOUND.test(command)) return commandMatches(rule.content, command.trim());
    if (!forDeny) return false;
    return command.split(/&&|\|\||[;|&\n`()]|\$\(|<\(|>\(/).some((part) => part.trim() !== "" && commandMatches(rule.content!, part.trim()));
  }
  if (rule.tool === "WebFetch") {
    const url = stringField(input, "url");
    if (url === null || !rule.content.startsWith("domain:")) return false;
    return hostMatches(rule.content.slice("domain:".length).trim().toLowerCase(), url);
  }
  if (rule.tool === "Edit" || rule.tool === "Read") {
    const path = stringField(input, "file_path") ?? stringField(input, "notebook_path") ?? stringField(input, "path");
    if (path === null) return false;
    return pathMatches(rule.content, path, request.projectPath);
  }
  // Any other tool's specifier: matched literally against the one string the tool takes, if any.
  const strings = Object.values(input).filter((value): value is string => typeof value === "string");
  return strings.length === 1 && globToRegExp(rule.content, true).test(strings[0]);
}

function toolCovered(ruleTool: string, toolName: string): boolean {
  if (ruleTool === toolName) return true;
  if (ruleTool === "Edit" && EDIT_TOOLS.has(toolName)) return true;
  if (ruleTool === "Read" && READ_TOOLS.has(toolName)) return true;
  // `mcp__server` covers every tool of that server.
  return ruleTool.startsWith("mcp__") && ruleTool.split("__").length === 2 && toolName.startsWith(`${ruleTool}__`);
}

function stringField(input: Record<string, unknown>, name: string): string | null {
  const value = input[name];
  return typeof value === "string" ? value : null;
}

function commandMatches(content: string, command: string): boolean {
  // `prefix:*` (Claude Code's older spelling) and `prefix *`: the prefix alone or followed by arguments.
  const prefix = /^(.*?)(?::\*| \*)$/s.exec(content);
  if (prefix && !prefix[1].includes("*")) {
    const head = prefix[1].trim();
    return command === head || command.startsWith(`${head} `);
  }
  return globToRegExp(content, true).test(command);
}

function hostMatches(domain: string, url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (domain.startsWith("*.")) return host.endsWith(domain.slice(1));
  return host === domain;
}

function pathMatches(pattern: string, filePath: string, projectPath: string): boolean {
  const file = normalisePath(filePath.startsWith("/") ? filePath : `${projectPath}/${filePath}`);
  let absolutePattern: string;
  if (pattern.startsWith("//")) absolutePattern = pattern.slice(1);
  else if (pattern.startsWith("~")) return false; // the agent's home is not known here: never matches
  else if (pattern.startsWith("/")) absolutePattern = `${projectPath}${pattern}`;
  else if (pattern.startsWith("./")) absolutePattern = `${projectPath}/${pattern.slice(2)}`;
  else if (!pattern.includes("/")) {
    // gitignore: a name pattern matches at any depth, but only inside the project.
    const root = normalisePath(projectPath);
    if (!file.startsWith(`${root}/`)) return false;
    return globToRegExp(pattern, false).test(file.slice(file.lastIndexOf("/") + 1));
  } else absolutePattern = `${projectPath}/${pattern}`;
  const normalised = normalisePath(absolutePattern);
  // `dir/` or `dir/**`: everything below dir.
  const full = normalised.endsWith("/**") || pattern.endsWith("/") ? `${normalised.replace(/\/\*\*$/, "")}/**` : normalised;
  return globToRegExp(full, false).test(file);
}

/** Collapses `.`, `..` and repeated slashes without touching the file system. */
function normalisePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** `**` any characters, `*` any characters but `/` (any at all for commands), `?` one character. */
function globToRegExp(glob: string, command: boolean): RegExp {
  let source = "";
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index];
    if (char === "*" && glob[index + 1] === "*") {
      // `/**/` also matches a single `/`.
      if (glob[index + 2] === "/") {
        source += "(?:.*/)?";
        index += 2;
      } else {
        source += ".*";
        index += 1;
      }
    } else if (char === "*") source += command ? ".*" : "[^/]*";
    else if (char === "?") source += command ? "." : "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}
