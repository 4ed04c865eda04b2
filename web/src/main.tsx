import { render } from "preact";
import { init } from "./app";
import { App } from "./ui/App";
import { installMenus } from "./ui/menus";
import "./styles.css";

installMenus();
render(<App />, document.getElementById("app")!);
void init();
// The app shell is kept for offline reloads (public/sw.js).
if ("serviceWorker" in navigator) void navigator.serviceWorker.register("/sw.js").catch(() => {});
