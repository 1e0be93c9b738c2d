// A `shell`-runtime agent for the dashboard's tests whose output is hostile to a web page: markup, a
// `javascript:` URL, and terminal escape sequences (a window title, an OSC 8 hyperlink, a clipboard write).
// Commands: ask-choice (as test/support/fake-agent.mjs: "Which option do you prefer?", 1. Red, 2. Blue),
// ask-hostile (a question and options made of markup), anything else -> "done: <line>".
import { createInterface } from "node:readline";

export const HOSTILE_BANNER =
  "\u001b]0;PWNED-TITLE\u0007" +
  "\u001b]8;;javascript:window.__pwned='osc8'\u001b\\hostile link\u001b]8;;\u001b\\ " +
  "\u001b]52;c;cHduZWQ=\u0007" +
  `<img src=x onerror="window.__pwned='terminal'"> banner\n`;

const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
let pending;

function prompt(text = "agent> ") {
  rl.setPrompt(text);
  rl.prompt();
}

rl.on("line", (line) => {
  if (pending !== undefined) {
    const options = pending;
    pending = undefined;
    const choice = options[Number(line.trim()) - 1];
    process.stdout.write(choice ? `chose: ${choice}\n` : `not an option: ${line}\n`);
    return prompt();
  }
  if (line.includes("ask-choice")) {
    pending = ["Red", "Blue"];
    process.stdout.write("Which option do you prefer?\n1. Red\n2. Blue\n");
    return prompt("choice> ");
  }
  if (line.includes("ask-hostile")) {
    pending = ["<b>Bold</b>", "javascript:window.__pwned='option'"];
    process.stdout.write(`Keep <img src=x onerror="window.__pwned='question'"> or not?\n1. ${pending[0]}\n2. ${pending[1]}\n`);
    return prompt("choice> ");
  }
  if (line.includes("print-escapes")) {
    process.stdout.write(HOSTILE_BANNER.replace("banner", "live banner"));
  }
  process.stdout.write(`done: ${line}\n`);
  prompt();
});

process.stdout.write(HOSTILE_BANNER);
prompt();
