import { render } from "preact";
import { init } from "./app";
import { App } from "./ui/App";
import "./styles.css";

render(<App />, document.getElementById("app")!);
void init();
