import { render } from "preact";
import { init } from "./app";
import { App } from "./ui/App";
import { installMenus } from "./ui/menus";
import "./styles.css";

installMenus();
render(<App />, document.getElementById("app")!);
void init();
