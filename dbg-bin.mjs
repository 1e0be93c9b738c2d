import { register } from "tsx/esm/api";
register();
await import("./dbg-tmp.mts");
