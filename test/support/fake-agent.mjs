// A tiny interactive "agent" for the shell runtime's tests. It prints `fake-agent> ` and reads lines:
//   ask-choice  -> "Which option do you prefer?" / "1. Red" / "2. Blue", then waits for a digit line
//   ask-yn      -> "Proceed? (y/n)", then waits for y or n
//   fail        -> "Error: something broke"
//   slow <ms>   -> "working... (esc to interrupt)" for <ms>, then "done: slow"
//   exit <code> -> exits with that code
//   write <file> <text> -> appends the text as a line to the file, then "wrote: <file>"
//   anything else -> "done: <line>"
// Every line it receives is appended (JSON, one per line) to the file named by $FAKE_AGENT_LOG.
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";

const log = process.env.FAKE_AGENT_LOG;
const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
let pending; // the question waiting for an answer, if any

function prompt(text = "fake-agent> ") {
  rl.setPrompt(text);
  rl.prompt();
}

rl.on("line", (line) => {
  if (log) appendFileSync(log, `${JSON.stringify({ line, answering: pending ?? null })}\n`);
  if (pending === "choice") {
    pending = undefined;
    const choice = { 1: "Red", 2: "Blue" }[line.trim()];
    process.stdout.write(choice ? `chose: ${choice}\n` : `not an option: ${line}\n`);
    return prompt();
  }
  if (pending === "yn") {
    pending = undefined;
    process.stdout.write(/^y/i.test(line.trim()) ? "proceeding\n" : "stopped\n");
    return prompt();
  }
  const [command, arg] = line.trim().split(/\s+/);
  if (line.includes("ask-choice")) {
    pending = "choice";
    process.stdout.write("Which option do you prefer?\n1. Red\n2. Blue\n");
    return prompt("choice> ");
  }
  if (line.includes("ask-yn")) {
    pending = "yn";
    return prompt("Proceed? (y/n) ");
  }
  if (command === "fail") {
    process.stdout.write("Error: something broke\n");
    return prompt();
  }
  if (command === "slow") {
    process.stdout.write("working... (esc to interrupt)\n");
    setTimeout(() => {
      process.stdout.write("done: slow\n");
      prompt();
    }, Number(arg) || 500);
    return;
  }
  if (command === "write") {
    appendFileSync(arg, `${line.trim().split(/\s+/).slice(2).join(" ")}\n`);
    process.stdout.write(`wrote: ${arg}\n`);
    return prompt();
  }
  if (command === "exit") {
    rl.close();
    process.exit(Number(arg) || 0);
  }
  process.stdout.write(`done: ${line}\n`);
  prompt();
});

prompt();
