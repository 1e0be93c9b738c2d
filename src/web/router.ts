import { signal } from "@preact/signals";

export type Route =
  | { view: "needs-you" }
  | { view: "fleet" }
  | { view: "project"; id: string }
  | { view: "terminal"; id: string }
  | { view: "event"; id: string }
  | { view: "work"; id: string }
  | { view: "answer"; token: string }
  | { view: "not-found"; path: string };

/** The view a path opens; the deep links `/events/{id}`, `/projects/{id}`, `/work/{id}` included. */
export function routeOf(pathname: string): Route {
  const parts = pathname.split("/").filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  if (parts.length === 0) return { view: "needs-you" };
  if (parts.length === 1 && parts[0] === "fleet") return { view: "fleet" };
  if (parts.length === 2 && parts[0] === "projects") return { view: "project", id: parts[1] };
  if (parts.length === 3 && parts[0] === "projects" && parts[2] === "terminal") return { view: "terminal", id: parts[1] };
  if (parts.length === 2 && parts[0] === "events") return { view: "event", id: parts[1] };
  if (parts.length === 2 && parts[0] === "work") return { view: "work", id: parts[1] };
  if (parts.length === 2 && parts[0] === "answer") return { view: "answer", token: parts[1] };
  return { view: "not-found", path: pathname };
}

export const route = signal<Route>(routeOf(location.pathname));

export function navigate(path: string): void {
  if (path !== location.pathname) history.pushState(null, "", path);
  route.value = routeOf(path);
  window.scrollTo(0, 0);
}

export function pathOf(kind: "projects" | "events" | "work", id: string, suffix = ""): string {
  return `/${kind}/${encodeURIComponent(id)}${suffix}`;
}

/** Follows same-origin links in the page without a reload (modified clicks keep their browser meaning). */
export function startRouter(): void {
  window.addEventListener("popstate", () => (route.value = routeOf(location.pathname)));
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element | null)?.closest?.("a[data-route]");
    if (!(link instanceof HTMLAnchorElement)) return;
    event.preventDefault();
    navigate(link.pathname);
  });
}
