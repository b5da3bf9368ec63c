// The query UI: YASGUI served from this server. On a first visit the example queries open as tabs;
// tabs and edits are kept in this browser (localStorage) and survive a reload; a shared link
// (#query=… as YASGUI's "share" button makes, or ?query=…) opens its query in a tab of its own;
// the project's prefixes are offered while typing (no prefix.cc or LOV look-ups: nothing leaves
// this server); links to the project's IRIs open this server's pages; and when the endpoint cut a
// result at its row limit, the page says so.
(function () {
  "use strict";
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  if (typeof Yasgui === "undefined") {  // a wheel built before `npm ci` carries no YASGUI
    document.getElementById("yasgui").textContent = "The query editor's files (YASGUI) are not " +
      "installed with this server: run 'npm ci' in its checkout and install it again. The endpoint " +
      "itself answers SPARQL at " + window.location.origin + "/sparql.";
    return;
  }
  const ENDPOINT = window.location.origin + "/sparql";
  const Yasqe = Yasgui.Yasqe;
  Yasqe.forkAutocompleter("prefixes", {
    name: "projectPrefixes",
    persistenceId: null,
    get: () => Object.keys(prefixes).sort().map((p) => p + ": <" + prefixes[p] + ">"),
  });
  const completers = ["variables", "projectPrefixes"];
  Yasqe.defaults.autocompleters = completers;
  Yasqe.defaults.value = ["ikg", "rdfs", "oa"].map((p) => "PREFIX " + p + ": <" + prefixes[p] + ">").join("\n") +
    "\n\nSELECT ?s ?label WHERE {\n  ?s a ikg:Project ; rdfs:label ?label .\n} LIMIT 10\n";
  const link = (window.location.hash + "&" + window.location.search).replace(/^[#?]/, "");
  const fromLink = /(^|[&?#])query=/.test(link);
  const SEEN = "icmpd-kg:examples-added:" + (document.documentElement.lang || "en");
  let firstVisit = true;
  try { firstVisit = !window.localStorage.getItem(SEEN); } catch (e) { /* storage disabled: every visit is a first */ }
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: ENDPOINT, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: "icmpd-kg-" + (document.documentElement.lang || "en"),  // each language its own tabs
    populateFromUrl: true,
    yasqe: { autocompleters: completers },
    endpointCatalogueOptions: { getData: () => [{ endpoint: ENDPOINT }] },
  });
  if (firstVisit) {
    const initial = yasgui.getTab();
    examples.forEach((example, i) => {
      const defaults = Yasgui.Tab.getDefaults();
      yasgui.addTab(!fromLink && i === 0, { ...defaults, name: example.name,
        requestConfig: { ...defaults.requestConfig, endpoint: ENDPOINT, method: "POST" },
        yasqe: { value: example.query } });
    });
    if (!fromLink && initial && examples.length) initial.close();
    try { window.localStorage.setItem(SEEN, "1"); } catch (e) { /* ignored */ }
  }
  const notice = document.getElementById("cut");
  function watch(tab) {
    const yasqe = tab && tab.getYasqe && tab.getYasqe();
    if (!yasqe || yasqe.icmpdWatched) return;
    yasqe.icmpdWatched = true;
    // YASGUI stores a tab's query on blur or when it runs; store every edit, so a reload keeps it.
    yasqe.on("change", () => tab.handleYasqeBlur(yasqe));
    yasqe.on("queryResponse", (_yasqe, response) => {
      const headers = (response && (response.header || response.headers)) || {};
      const cut = headers["x-result-truncated"];
      const rows = headers["x-result-rows"];
      notice.hidden = !cut;
      notice.textContent = cut ? "The result was cut at " + (rows || "the endpoint's limit of") +
        " rows (" + cut + "): add LIMIT and OFFSET, or ask for less." : "";
    });
  }
  // Links to the project's IRIs open this server's pages (/id/…, /ontology#…): the w3id.org
  // addresses redirect here only once the redirects in w3id/ are live. The IRI stays in the title.
  const BASE = prefixes.ikg.replace(/ontology#$/, "");
  function localize(root) {
    root.querySelectorAll('a[href^="' + BASE + '"]').forEach((a) => {
      const iri = a.getAttribute("href");
      a.setAttribute("href", window.location.origin + "/" + iri.slice(BASE.length));
      a.setAttribute("title", iri);
    });
  }
  const results = document.getElementById("yasgui");
  new MutationObserver(() => localize(results)).observe(results, { childList: true, subtree: true });
  // A shared link (#query=…) pasted into this page while it is open opens its query in a new tab.
  window.addEventListener("hashchange", () => {
    const shared = new URLSearchParams(window.location.hash.replace(/^#/, "")).get("query");
    if (!shared) return;
    const defaults = Yasgui.Tab.getDefaults();
    yasgui.addTab(true, { ...defaults, requestConfig: { ...defaults.requestConfig, endpoint: ENDPOINT,
      method: "POST" }, yasqe: { value: shared } });
  });
  yasgui.on("query", (_yasgui, tab) => watch(tab));
  yasgui.on("tabSelect", (_yasgui, id) => window.setTimeout(() => watch(yasgui.getTab(id)), 0));
  watch(yasgui.getTab());
  window.yasgui = yasgui;
})();
