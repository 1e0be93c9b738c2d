import { render } from "preact";
import "@xterm/xterm/css/xterm.css";
import "./styles.css";
import { App } from "./components/App.js";
import { startRouter } from "./router.js";

startRouter();
const root = document.getElementById("app")!;
// The "Loading…" placeholder goes: render() would keep it next to the app.
root.textContent = "";
render(<App />, root);
