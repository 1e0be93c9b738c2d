import { createConnectRouter } from "@connectrpc/connect";
import type { ConnectRouter } from "@connectrpc/connect";

type Routes = (router: ConnectRouter) => void;

/**
 * Runs a routes function exactly once and returns one that replays its registrations. The server needs
 * several routers (the RPC adapter's, and the in-memory one REST calls go through); replaying means the
 * service implementations are built once and shared, whatever state they keep.
 */
export function recordRoutes(registerRoutes: Routes): Routes {
  const replay: Routes[] = [];
  const recorder = createConnectRouter();
  const proxy: ConnectRouter = {
    get handlers() {
      return recorder.handlers;
    },
    service(service, implementation, options) {
      recorder.service(service, implementation, options);
      replay.push((router) => router.service(service, implementation, options));
      return proxy;
    },
    rpc(method, implementation, options) {
      recorder.rpc(method, implementation, options);
      replay.push((router) => router.rpc(method, implementation, options));
      return proxy;
    },
  };
  registerRoutes(proxy);
  return (router) => {
    for (const register of replay) {
      register(router);
    }
  };
}
