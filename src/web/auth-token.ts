import { signal } from "@preact/signals";

// The token lives for this tab only (sessionStorage), and goes out only as an Authorization header: never
// in a URL, never in a cookie, which a cross-site request would carry.
const KEY = "commander.token";

function stored(): string {
  try {
    return sessionStorage.getItem(KEY) ?? "";
  } catch {
    return "";
  }
}

/** The API token this tab sends ("" for none). */
export const authToken = signal(stored());

/** True once the daemon has refused a call for want of a (right) token: the page then asks for one. */
export const tokenRequired = signal(false);

export function setAuthToken(token: string): void {
  authToken.value = token;
  tokenRequired.value = false;
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Storage disabled: the token is kept in memory for this page.
  }
}
