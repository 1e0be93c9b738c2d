// Prints the README's error table from the catalogue: `npx tsx scripts/render-error-table.ts`.
import { ERROR_CATALOGUE } from "../src/domain/error-catalogue.js";

for (const [reason, entry] of Object.entries(ERROR_CATALOGUE)) {
  process.stdout.write(`| \`${reason}\` | ${entry.code} | ${entry.description} |\n`);
}
