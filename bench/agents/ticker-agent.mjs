// An interactive stand-in agent for the idle-cost figures. It prints `ticker> ` and waits, printing
// nothing, like an agent waiting for work. A line `tick <ms>` makes it print one progress line every <ms>
// milliseconds from then on, like an agent streaming its work (the line ends in "(esc to interrupt)", so
// it never looks like a prompt). Any other line is answered with `done: <line>`.
import { createInterface } from "node:readline";

const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
rl.setPrompt("ticker> ");
rl.on("SIGINT", () => process.exit(0));
let step = 0;
rl.on("line", (line) => {
  const tick = /^tick (\d+)/.exec(line.trim());
  if (!tick) {
    process.stdout.write(`done: ${line}\n`);
    rl.prompt();
    return;
  }
  setInterval(() => {
    step++;
    process.stdout.write(`step ${step}: checking src/module-${step % 50}.ts, ${step * 3} files so far (esc to interrupt)\n`);
  }, Number(tick[1]));
});
rl.prompt();
