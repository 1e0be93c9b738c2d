// The baseline for the CLI figure: a bare Node program that fetches a URL with node:http and prints the
// body, which is the least a command line written in Node can do to list something from the daemon.
import { get } from "node:http";

get(process.argv[2], (res) => {
  res.pipe(process.stdout);
}).on("error", (err) => {
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
});
