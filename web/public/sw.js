// The app shell, kept for offline use: a page load that cannot reach the server gets the
// cached page and its assets, and the page shows the board from its last snapshot with the
// changes still waiting. The API is never cached here: the page keeps what it needs itself.
const shell = "taskboard-shell-v1";

self.addEventListener("install", (e) => {
  // The page, and the assets it names: their names change with every build.
  e.waitUntil(
    caches
      .open(shell)
      .then(async (c) => {
        const page = await fetch("/");
        const html = await page.clone().text();
        await c.put("/", page);
        const assets = [...html.matchAll(/\/assets\/[^"']+/g)].map((m) => m[0]);
        await c.addAll(["/favicon.svg", ...assets]);
      })
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== shell).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin) return;
  if (req.mode === "navigate") {
    // Pages: the network first, so a new version shows at once; the cached shell offline.
    e.respondWith(
      fetch(req)
        .then((res) => {
          const copy = res.clone();
          if (res.ok) caches.open(shell).then((c) => c.put("/", copy));
          return res;
        })
        .catch(() => caches.match("/")),
    );
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    // Built assets are named by their content: once cached, always right.
    e.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            const copy = res.clone();
            if (res.ok) caches.open(shell).then((c) => c.put(req, copy));
            return res;
          }),
      ),
    );
  }
});
