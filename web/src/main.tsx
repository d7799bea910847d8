// Start: read /config.json, set <html lang>, render the app.
import { render } from "preact";
import { App } from "./App";
import { loadConfig } from "./config";
import { lang } from "./i18n";
import "./styles.css";

document.documentElement.lang = lang.get();
const root = document.getElementById("app") as HTMLElement;

loadConfig().then(
  () => render(<App />, root),
  (error: unknown) => {
    root.innerHTML = "";
    const main = document.createElement("main");
    const heading = document.createElement("h1");
    heading.textContent = "Peken";
    const text = document.createElement("p");
    text.setAttribute("role", "alert");
    text.textContent = `Konfigurasi tidak dapat dimuat / Configuration could not be loaded (${String(error)}).`;
    main.append(heading, text);
    root.append(main);
  },
);
