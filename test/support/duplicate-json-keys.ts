/**
 * The keys that appear more than once in one object of a JSON text (JSON.parse silently keeps the last
 * one, so it cannot tell). A minimal scanner: enough for log lines.
 */
export function duplicateJsonKeys(text: string): string[] {
  const duplicates: string[] = [];
  const objects: Array<Set<string> | null> = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const literal = text.slice(i, end + 1);
      const keys = objects[objects.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(literal) as string;
        if (keys.has(key)) duplicates.push(key);
        keys.add(key);
        expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (char === "{") {
      objects.push(new Set());
      expectKey = true;
    } else if (char === "[") {
      objects.push(null);
    } else if (char === "}" || char === "]") {
      objects.pop();
    } else if (char === ",") {
      expectKey = objects[objects.length - 1] !== null && objects.length > 0;
    }
    i += 1;
  }
  return duplicates;
}
