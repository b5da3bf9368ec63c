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
  registerViews();
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
  // WDQS's "#defaultView:BarChart" (Timeline, Graph, Table) in a query picks the view of its results.
  const VIEWS = { barchart: "barchart", timeline: "timeline", graph: "graph", table: "table" };
  yasgui.on("queryResponse", (_yasgui, tab) => {
    const text = tab.getYasqe().getValue();
    const asked = /#\s*defaultView:\s*(\w+)/i.exec(text);
    const view = asked && VIEWS[asked[1].toLowerCase()];
    if (view) tab.getYasr().selectPlugin(view);
  });
  yasgui.on("query", (_yasgui, tab) => watch(tab));
  yasgui.on("tabSelect", (_yasgui, id) => window.setTimeout(() => watch(yasgui.getTab(id)), 0));
  watch(yasgui.getTab());
  window.yasgui = yasgui;

  // --- results to look at: a bar chart, a timeline and a graph, drawn here as SVG (no CDN) ---------
  function registerViews() {
    const SVG = "http://www.w3.org/2000/svg";
    const el = (name, attrs, text) => {
      const node = document.createElementNS(SVG, name);
      Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
      if (text !== undefined) node.textContent = text;
      return node;
    };
    const shown = (term) => (term ? (term.type === "uri" ? term.value.replace(/^.*[/#]/, "") : term.value) : "");
    const numeric = (term) => term && term.type !== "uri" && term.value !== "" && !isNaN(Number(term.value));
    const DATES = /#(date|dateTime|gYear|gYearMonth)$/;
    const dated = (term) => term && term.type !== "uri" && (DATES.test(term.datatype || "") || /^\d{4}(-\d\d){0,2}/.test(term.value));
    class View {
      constructor(yasr) { this.yasr = yasr; this.priority = 1; this.hideFromSelection = false; }
      rows() { return (this.yasr.results && this.yasr.results.getBindings && this.yasr.results.getBindings()) || []; }
      vars() { return (this.yasr.results && this.yasr.results.getVariables && this.yasr.results.getVariables()) || []; }
      canHandleResults() { return this.rows().length > 0 && this.columns() !== null; }
      // the first column whose values pass `test` (in every row, or in some), and the first other one
      keyed(test, every) {
        const rows = this.rows(), vars = this.vars();
        const key = vars.find((v) => (every ? rows.every((r) => test(r[v])) : rows.some((r) => test(r[v]))));
        return key ? { key, label: vars.find((v) => v !== key) } : null;
      }
      getIcon() { return document.createElement("span"); }
      draw() {
        const cols = this.columns();
        const svg = this.picture(cols);
        this.yasr.resultsEl.appendChild(svg);
      }
    }
    class BarChart extends View {
      constructor(yasr) { super(yasr); this.label = "Bar chart"; }
      columns() { return this.keyed(numeric, true); }
      picture({ key: value, label }) {
        const rows = this.rows().slice(0, 200);
        const max = Math.max(...rows.map((r) => Number(r[value].value)), 1);
        const svg = el("svg", { class: "view barchart", width: 760, height: 24 * rows.length + 10, role: "img", "aria-label": "bar chart" });
        rows.forEach((r, i) => {
          const width = Math.max(1, (Number(r[value].value) / max) * 480);
          svg.appendChild(el("text", { x: 0, y: 24 * i + 17, class: "bar-label" }, shown(r[label]).slice(0, 30)));
          svg.appendChild(el("rect", { x: 230, y: 24 * i + 4, width, height: 18, class: "bar" }));
          svg.appendChild(el("text", { x: 236 + width, y: 24 * i + 17 }, r[value].value));
        });
        return svg;
      }
    }
    class Timeline extends View {
      constructor(yasr) { super(yasr); this.label = "Timeline"; }
      columns() { return this.keyed(dated, false); }
      picture({ key: when, label }) {
        const rows = this.rows().filter((r) => dated(r[when])).slice(0, 200);
        const year = (r) => { const m = /^(-?\d{4})(?:-(\d\d))?/.exec(r[when].value); return Number(m[1]) + (m[2] ? (Number(m[2]) - 1) / 12 : 0); };
        const years = rows.map(year), low = Math.min(...years), high = Math.max(...years), span = Math.max(high - low, 1);
        const svg = el("svg", { class: "view timeline", width: 760, height: 40 + 22 * rows.length, role: "img", "aria-label": "timeline" });
        svg.appendChild(el("line", { x1: 20, y1: 20, x2: 740, y2: 20, class: "axis" }));
        rows.forEach((r, i) => {
          const x = 20 + ((year(r) - low) / span) * 700;
          svg.appendChild(el("circle", { cx: x, cy: 20, r: 5, class: "event" }));
          svg.appendChild(el("text", { x: Math.min(x, 560), y: 44 + 22 * i }, r[when].value.slice(0, 10) + " " + shown(r[label]).slice(0, 40)));
        });
        return svg;
      }
    }
    class Graph extends View {
      constructor(yasr) { super(yasr); this.label = "Graph"; }
      columns() {
        const vars = this.vars();
        return vars.length >= 2 ? { from: vars[0], to: vars[1], edge: vars[2] } : null;
      }
      picture({ from, to, edge }) {
        const rows = this.rows().filter((r) => r[from] && r[to]).slice(0, 100);
        const names = [...new Set(rows.flatMap((r) => [r[from].value, r[to].value]))];
        const label = new Map(rows.flatMap((r) => [[r[from].value, shown(r[from])], [r[to].value, shown(r[to])]]));
        const size = 620, centre = size / 2, radius = size / 2 - 90;
        const at = new Map(names.map((n, i) => [n, [centre + radius * Math.cos((2 * Math.PI * i) / names.length), centre + radius * Math.sin((2 * Math.PI * i) / names.length)]]));
        const svg = el("svg", { class: "view graph", width: size, height: size, role: "img", "aria-label": "graph" });
        rows.forEach((r) => {
          const [x1, y1] = at.get(r[from].value), [x2, y2] = at.get(r[to].value);
          svg.appendChild(el("line", { x1, y1, x2, y2, class: "link" }));
          if (edge && r[edge]) svg.appendChild(el("text", { x: (x1 + x2) / 2, y: (y1 + y2) / 2, class: "link-label" }, shown(r[edge]).slice(0, 24)));
        });
        names.forEach((n) => {
          const [x, y] = at.get(n);
          svg.appendChild(el("circle", { cx: x, cy: y, r: 6, class: "node" }));
          svg.appendChild(el("text", { x: x + 8, y: y + 4 }, label.get(n).slice(0, 28)));
        });
        return svg;
      }
    }
    Yasgui.Yasr.registerPlugin("barchart", BarChart);
    Yasgui.Yasr.registerPlugin("timeline", Timeline);
    Yasgui.Yasr.registerPlugin("graph", Graph);
    Yasgui.Yasr.defaults.pluginOrder = ["table", "response", "barchart", "timeline", "graph"];
  }
})();
