/**
 * The docs page's script: the DAG laid out by dagre (drawn as SVG, zoom and pan, nodes
 * coloured by engine, hops marked on edges, badges), the selector search box, and the
 * model and source pages with their column lineage drawn as trees. Like `docsSelector`
 * it is embedded as its own source text (the site is a static file tree that works from
 * `file://`), so it must not use anything outside its body: the index, the selector,
 * dagre and the window are passed in.
 *
 * Pages are scripts (`pages/<i>.js`) calling `window.XORQ_DOCS_PAGE(page)`: a page
 * opened from `file://` may not fetch, but it may load scripts.
 */
import type { DocsEdge, DocsIndex, DocsNode, DocsPage } from "./docs-model.js";
import type { DocsSelector } from "./docs-selector.js";
import type { InputOf, LineageGraph, LineageGraphs } from "./lineage-graph.js";

/** What the page uses of dagre's browser bundle (`window.dagre`). */
export interface DagreLike {
  readonly graphlib: { readonly Graph: new (options?: { multigraph?: boolean }) => DagreGraph };
  layout(g: DagreGraph): void;
}

export interface DagreGraph {
  setGraph(label: Record<string, unknown>): void;
  setDefaultEdgeLabel(f: () => Record<string, unknown>): void;
  setNode(id: string, label: { width: number; height: number }): void;
  setEdge(from: string, to: string, label?: Record<string, unknown>): void;
  node(id: string): { x: number; y: number; width: number; height: number };
  edge(from: string, to: string): { points: ReadonlyArray<{ x: number; y: number }> };
  graph(): { width?: number; height?: number };
}

/** What the app is given besides the index: the other embedded functions and dagre. */
export interface DocsAppHelpers {
  readonly selector: DocsSelector;
  readonly lineage: LineageGraphs;
  readonly dagre: DagreLike;
}

export function docsApp(data: DocsIndex, helpers: DocsAppHelpers, win: Window & { XORQ_DOCS_PAGE?: (page: DocsPage) => void }): void {
  const { selector, dagre } = helpers;
  const doc = win.document;
  const SVG = "http://www.w3.org/2000/svg";
  // Above this many nodes the graph draws the selection's neighbourhood, not all of it:
  // laying out and drawing 10,000 nodes would keep the page busy for many seconds.
  const MAX = 250;
  // The lineage picture grows upstream, page by page, up to this many nodes.
  const LINEAGE_BUDGET = 300;
  const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#76b7b2", "#edc948", "#9c755f"];
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const models = data.nodes.filter((n) => n.type === "model");
  const engineNames = [...new Set([...data.engines.map((e) => e.name), ...data.nodes.map((n) => n.engine)])];
  const colour = (engine: string): string => PALETTE[engineNames.indexOf(engine) % PALETTE.length]!;
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const n of data.nodes) {
    up.set(n.id, []);
    down.set(n.id, []);
  }
  for (const e of data.edges) {
    up.get(e.to)!.push(e.from);
    down.get(e.from)!.push(e.to);
  }

  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string | null>): HTMLElementTagNameMap[K] => {
    const e = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const c of children) if (c !== null) e.append(c);
    return e;
  };
  const svg = (tag: string, attrs: Record<string, string | number> = {}, ...children: Array<Node | null>): SVGElement => {
    const e = doc.createElementNS(SVG, tag) as SVGElement;
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    for (const c of children) if (c !== null) e.append(c);
    return e;
  };
  const text = (s: string, attrs: Record<string, string | number>): SVGElement => {
    const t = svg("text", attrs);
    t.textContent = s;
    return t;
  };
  const reach = (start: string, next: Map<string, string[]>): Set<string> => {
    const seen = new Set<string>();
    const todo = [start];
    while (todo.length > 0) for (const x of next.get(todo.pop()!) ?? []) if (!seen.has(x)) todo.push(x), seen.add(x);
    return seen;
  };
  const pathOf = (points: ReadonlyArray<{ x: number; y: number }>): string => {
    const [first, ...rest] = points;
    if (!first) return "";
    if (rest.length === 1) return `M${first.x},${first.y}L${rest[0]!.x},${rest[0]!.y}`;
    let d = `M${first.x},${first.y}`;
    for (let i = 0; i + 1 < rest.length; i++) {
      const c = rest[i]!;
      const n = rest[i + 1]!;
      const end = i + 2 === rest.length ? n : { x: (c.x + n.x) / 2, y: (c.y + n.y) / 2 };
      d += `Q${c.x},${c.y} ${end.x},${end.y}`;
    }
    return d;
  };

  // ---- the frame -------------------------------------------------------------------
  const search = el("input", { id: "search", type: "search", placeholder: "select: +orders, tag:daily, name+, path:models/marts", spellcheck: "false" });
  const status = el("span", { id: "status" });
  const legend = el("div", { id: "legend" }, ...engineNames.map((name) => el("span", { class: "engine" }, el("i", { style: `background:${colour(name)}` }), name)));
  const viewport = svg("g", { id: "viewport" });
  const dag = svg("svg", { id: "dag" }, svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M0,0L10,5L0,10z" }))), viewport);
  const panel = el("aside", { id: "panel" }, el("p", { class: "hint" }, "Choose a model or a source to see its page."));
  const intro = data.project.descriptionHtml ? el("div", { class: "project-description" }) : null;
  if (intro) intro.innerHTML = data.project.descriptionHtml!;
  doc.body.append(
    el("header", {}, el("h1", {}, data.project.name), search, status, legend),
    el("main", {}, el("section", { id: "graph" }, dag, intro), panel),
  );

  // ---- zoom and pan ----------------------------------------------------------------
  let view = { x: 0, y: 0, k: 1 };
  const applyView = () => viewport.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
  dag.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const box = dag.getBoundingClientRect();
    const px = ev.clientX - box.left;
    const py = ev.clientY - box.top;
    const k = Math.min(4, Math.max(0.05, view.k * Math.exp(-ev.deltaY / 500)));
    view = { x: px - ((px - view.x) * k) / view.k, y: py - ((py - view.y) * k) / view.k, k };
    applyView();
  }, { passive: false });
  let drag: { x: number; y: number; vx: number; vy: number } | null = null;
  let dragged = false; // a pan ends with a click, which must not clear the focus
  dag.addEventListener("mousedown", (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y };
    dragged = false;
  });
  win.addEventListener("mousemove", (ev) => {
    if (!drag) return;
    if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) dragged = true;
    view = { ...view, x: drag.vx + ev.clientX - drag.x, y: drag.vy + ev.clientY - drag.y };
    applyView();
  });
  win.addEventListener("mouseup", () => void (drag = null));
  const fit = (width: number, height: number) => {
    const box = dag.getBoundingClientRect();
    const k = Math.min(1.5, (box.width - 20) / Math.max(width, 1), (box.height - 20) / Math.max(height, 1));
    view = { k, x: (box.width - width * k) / 2, y: Math.max(10, (box.height - height * k) / 2) };
    applyView();
  };

  // ---- the DAG ---------------------------------------------------------------------
  let selected: Set<string> | null = null; // node ids the search selects; null: all
  let focus: string | null = null;
  const drawnNodes = new Map<string, SVGElement>();
  const drawnEdges: Array<{ edge: DocsEdge; path: SVGElement }> = [];

  /** What to draw: the selection, or at most MAX of it around the focused node. */
  const toDraw = (): { ids: string[]; note: string | null } => {
    const all = selected === null ? data.nodes.map((n) => n.id) : data.nodes.filter((n) => selected!.has(n.id)).map((n) => n.id);
    if (all.length <= MAX) return { ids: all, note: null };
    const within = new Set(all);
    const centre = focus !== null && within.has(focus) ? focus : all.find((id) => byId.get(id)!.type === "model") ?? all[0]!;
    const ids = new Set([centre]);
    let frontier = [centre];
    while (frontier.length > 0 && ids.size < MAX) {
      const following: string[] = [];
      for (const id of frontier) {
        for (const x of [...up.get(id)!, ...down.get(id)!]) {
          if (ids.size >= MAX) break;
          if (within.has(x) && !ids.has(x)) ids.add(x), following.push(x);
        }
      }
      frontier = following;
    }
    const shown = all.filter((id) => ids.has(id));
    return { ids: shown, note: `${all.length} nodes selected: drawing the ${shown.length} around ${byId.get(centre)!.name} (refine the search, or choose a model)` };
  };

  const badgesOf = (n: DocsNode): Array<{ label: string; cls: string }> => {
    const out: Array<{ label: string; cls: string }> = [{ label: n.type === "source" ? n.kind : n.kind.toUpperCase(), cls: "kind" }];
    if (n.materialized) out.push({ label: n.materialized, cls: "materialized" });
    if (n.cache) out.push({ label: "cache", cls: "cache" });
    if (n.tests) out.push({ label: `tests ${n.tests}`, cls: `run run-${n.tests === "pass" ? "success" : n.tests === "warn" ? "warn" : "error"}` });
    if (n.hops > 0) out.push({ label: `hop×${n.hops}`, cls: "hop" });
    if (n.run) out.push({ label: n.run, cls: `run run-${n.run}` });
    return out;
  };

  const draw = () => {
    const { ids, note } = toDraw();
    const shown = new Set(ids);
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "LR", nodesep: 12, ranksep: 70, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    // Wide enough for the name and for the row of badges under it.
    const badgeWidth = (label: string) => label.length * 5.6 + 8;
    const widthOf = (n: DocsNode) => Math.max(110, n.name.length * 7.2 + 24, badgesOf(n).reduce((w, b) => w + badgeWidth(b.label) + 3, 13));
    for (const id of ids) g.setNode(id, { width: widthOf(byId.get(id)!), height: 40 });
    const edges = data.edges.filter((e) => shown.has(e.from) && shown.has(e.to));
    for (const e of edges) g.setEdge(e.from, e.to);
    dagre.layout(g);
    viewport.replaceChildren();
    drawnNodes.clear();
    drawnEdges.length = 0;
    const edgeLayer = svg("g", { class: "edges" });
    const nodeLayer = svg("g", { class: "nodes" });
    for (const e of edges) {
      const path = svg("path", { d: pathOf(g.edge(e.from, e.to).points), class: e.hop ? "edge hop" : "edge", "marker-end": "url(#arrow)" });
      const group = svg("g", {}, path);
      if (e.hop) {
        const pts = g.edge(e.from, e.to).points;
        const mid = pts[Math.floor(pts.length / 2)]!;
        group.append(text(`⇄ ${e.hop}`, { x: mid.x, y: mid.y - 4, class: "hop-label", "text-anchor": "middle" }));
      }
      edgeLayer.append(group);
      drawnEdges.push({ edge: e, path });
    }
    for (const id of ids) {
      const n = byId.get(id)!;
      const box = g.node(id);
      const x = box.x - box.width / 2;
      const y = box.y - box.height / 2;
      const node = svg("g", { class: `node ${n.type}`, "data-id": id, transform: `translate(${x},${y})` },
        svg("rect", { width: box.width, height: box.height, rx: n.type === "source" ? 14 : 5, fill: colour(n.engine) }),
        text(n.name, { x: 8, y: 16, class: "name" }));
      let bx = 8;
      for (const b of badgesOf(n)) {
        const w = badgeWidth(b.label);
        node.append(svg("g", { class: `badge ${b.cls}`, transform: `translate(${bx},23)` }, svg("rect", { width: w, height: 12, rx: 6 }), text(b.label, { x: w / 2, y: 9, "text-anchor": "middle" })));
        bx += w + 3;
      }
      const title = svg("title");
      title.textContent = `${n.type} ${n.name} · ${n.engine}${n.cache ? ` · cache ${n.cache}` : ""}${n.run ? ` · last run ${n.run}` : ""}`;
      node.append(title);
      node.addEventListener("click", (ev) => {
        ev.stopPropagation();
        win.location.hash = encodeURIComponent(id);
      });
      nodeLayer.append(node);
      drawnNodes.set(id, node);
    }
    viewport.append(edgeLayer, nodeLayer);
    // dagre gives an empty graph no size.
    const size = g.graph();
    if (ids.length > 0) fit(size.width ?? 100, size.height ?? 100);
    highlight();
    const count = ids.filter((id) => byId.get(id)!.type === "model").length;
    if (!status.classList.contains("error")) status.textContent = note ?? `${count} of ${models.length} models`;
  };

  /** The focused node, its ancestors and descendants stand out; the rest fades. */
  const highlight = () => {
    const lit = focus === null ? null : new Set([focus, ...reach(focus, up), ...reach(focus, down)]);
    for (const [id, node] of drawnNodes) {
      node.classList.toggle("focus", id === focus);
      node.classList.toggle("dim", lit !== null && !lit.has(id));
      node.classList.toggle("lit", lit !== null && lit.has(id) && id !== focus);
    }
    for (const { edge, path } of drawnEdges) path.classList.toggle("dim", lit !== null && !(lit.has(edge.from) && lit.has(edge.to)));
  };

  const runSearch = () => {
    const q = search.value.trim();
    status.classList.remove("error");
    if (q === "") {
      selected = null;
    } else {
      try {
        const names = selector.select(models, q);
        const ids = new Set([...names].map((n) => `model.${n}`));
        for (const n of names) for (const s of byId.get(`model.${n}`)!.sources) ids.add(`source.${s}`);
        selected = ids;
      } catch (e) {
        status.classList.add("error");
        status.textContent = (e as Error).message;
        return;
      }
    }
    draw();
  };
  let typing: number | undefined;
  search.addEventListener("input", () => {
    win.clearTimeout(typing);
    typing = win.setTimeout(runSearch, 200);
  });
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      win.clearTimeout(typing);
      runSearch();
    }
  });

  // ---- pages -----------------------------------------------------------------------
  const waiting = new Map<string, (p: DocsPage) => void>();
  win.XORQ_DOCS_PAGE = (page) => {
    waiting.get(page.id)?.(page);
    waiting.delete(page.id);
  };
  const loaded = new Map<string, Promise<DocsPage>>();
  const modelPages = new Map<string, DocsPage>();
  const loadPage = (n: DocsNode): Promise<DocsPage> => {
    let p = loaded.get(n.id);
    if (!p) {
      p = new Promise((resolve, reject) => {
        waiting.set(n.id, (page) => {
          if (page.type === "model") modelPages.set(page.name, page);
          resolve(page);
        });
        const script = el("script", { src: n.page });
        script.addEventListener("error", () => reject(new Error(`cannot load ${n.page}`)));
        doc.head.append(script);
      });
      loaded.set(n.id, p);
    }
    return p;
  };

  const link = (id: string): HTMLElement => {
    const n = byId.get(id);
    if (!n) return el("span", {}, id);
    const a = el("a", { href: `#${encodeURIComponent(id)}`, class: `ref ${n.type}` }, n.name);
    return a;
  };
  const row = (label: string, ...value: Array<Node | string | null>): HTMLElement => el("tr", {}, el("th", {}, label), el("td", {}, ...value));
  const list = (ids: ReadonlyArray<string>): Array<Node | string> => (ids.length === 0 ? ["—"] : ids.flatMap((id, i) => (i === 0 ? [link(id)] : [", ", link(id)])));
  const code = (textValue: string, cls: string): HTMLElement => el("pre", { class: cls }, el("code", {}, textValue));

  const renderPage = (n: DocsNode, page: DocsPage, column: string | null) => {
    const description = el("div", { class: "description" });
    if (page.descriptionHtml) description.innerHTML = page.descriptionHtml;
    else description.append(el("p", { class: "hint" }, "No description."));
    const facts = el("table", { class: "facts" },
      row("kind", `${page.type} · ${page.kind}`),
      row("file", el("code", {}, page.file)),
      row("engine", el("i", { class: "swatch", style: `background:${colour(page.engine)}` }), ` ${page.engine}${page.engineKind ? ` (${page.engineKind})` : ""}`),
      page.tags.length > 0 ? row("tags", ...page.tags.map((t) => el("span", { class: "tag" }, t))) : null,
      page.materialized ? row("materialized", page.materialized) : null,
      ...page.relations.map((r) => row(`${r.env} view`, el("code", {}, r.relation))),
      page.cache ? row("cache", page.cache) : null,
      page.reads ? row("reads", el("code", {}, page.reads)) : null,
      row("hash", el("code", { class: "hash" }, page.hash)),
      page.build ? row("build", el("code", {}, page.build)) : null,
      n.type === "model" ? row("inputs", ...list([...n.sources.map((s) => `source.${s}`), ...n.parents.map((p) => `model.${p}`)])) : null,
      row("used by", ...list(n.children.map((c) => `model.${c}`))),
      page.run
        ? row("last run", el("span", { class: `run run-${page.run.status}` }, page.run.status),
            ` ${page.run.rows ?? "?"} rows in ${page.run.ms} ms${page.run.current ? "" : " (of an earlier version)"}${page.run.message ? ` — ${page.run.message}` : ""}`)
        : n.type === "model" ? row("last run", data.hasRunResults ? "not in the last run" : "never run (no target/run_results.json)") : null,
      Object.keys(page.vars).length > 0 ? row("vars", Object.entries(page.vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")) : null,
    );
    const lineageBox = el("div", { id: "lineage" }, el("p", { class: "hint" }, page.type === "model" ? "Choose a column to see its lineage." : "A source's columns are read as they are."));
    const columns = el("table", { class: "columns" }, el("tr", {}, el("th", {}, "column"), el("th", {}, "type"), el("th", {}, "description"), el("th", {}, "tests")));
    for (const c of page.columns) {
      const tr = el("tr", { "data-column": c.name }, el("td", {}, c.name), el("td", {}, el("code", {}, c.type)), el("td", {}, c.description ?? ""),
        el("td", {}, ...c.tests.map((t) => el("span", { class: "tag" }, t))));
      if (page.type === "model") {
        tr.classList.add("pick");
        tr.addEventListener("click", () => {
          win.location.hash = encodeURIComponent(`${page.id}|${c.name}`);
        });
      }
      columns.append(tr);
    }
    const chooseColumn = (column: string) => {
      for (const tr of columns.querySelectorAll("tr")) tr.classList.toggle("chosen", tr.getAttribute("data-column") === column);
      void showLineage(lineageBox, page, column);
    };
    const segments = page.segments.map((s) =>
      el("div", { class: "segment" }, el("h4", {}, `${s.name === "result" ? "result" : `hop ${s.name}`} · ${s.dialect}${s.profile ? ` (${s.profile})` : ""}`), code(s.sql, "sql")),
    );
    panel.replaceChildren(
      el("article", { class: "page", "data-id": page.id },
        el("h2", {}, page.name, el("span", { class: `chip ${page.type}` }, page.type)),
        description,
        facts,
        el("h3", {}, "Columns"),
        columns,
        lineageBox,
        page.tests.length > 0 ? el("h3", {}, "Tests (last xorq test)") : null,
        page.tests.length > 0
          ? el("table", { class: "tests" }, el("tr", {}, el("th", {}, "test"), el("th", {}, "column"), el("th", {}, "status"), el("th", {}, "failing rows")),
              ...page.tests.map((t) => el("tr", { "data-test": t.name }, el("td", {}, t.name), el("td", {}, t.column ?? ""), el("td", {}, el("span", { class: `run run-${t.status === "pass" ? "success" : t.status === "warn" ? "warn" : "error"}` }, t.status)), el("td", {}, t.failures === null ? "" : String(t.failures)))))
          : null,
        segments.length > 0 ? el("h3", {}, segments.length > 1 ? `Compiled SQL (${segments.length} engine segments)` : "Compiled SQL") : null,
        ...segments,
        page.code ? el("h3", {}, "Code") : null,
        page.code ? code(page.code.text, `code ${page.code.language}`) : null,
      ),
    );
    if (column !== null && page.type === "model") chooseColumn(column);
  };

  /**
   * A column's lineage tree as a picture laid out by dagre: this page's part, joined
   * with its input models' parts (their pages are loaded as the tree reaches them).
   */
  const showLineage = async (box: HTMLElement, page: DocsPage, column: string) => {
    if (page.lineageError !== null) {
      box.replaceChildren(el("p", { class: "hint" }, `No lineage for ${column}: ${page.lineageError}`));
      return;
    }
    const root = page.lineage.find((l) => l.column === column)?.tree;
    if (!root) {
      box.replaceChildren(el("p", { class: "hint" }, `No lineage for ${column}.`));
      return;
    }
    box.replaceChildren(el("p", { class: "hint" }, `Tracing ${column}…`));
    const inputOf: InputOf = (model, col) => {
      const p = modelPages.get(model);
      if (p === undefined) return undefined;
      if (col === null) return p.rows ? [p.rows] : null;
      return p.lineage.find((l) => l.column === col)?.tree.children ?? null;
    };
    let graph = helpers.lineage.build(page.name, column, root, inputOf, LINEAGE_BUDGET);
    while (graph.missing.length > 0) {
      await Promise.all(graph.missing.map((m) => (byId.has(`model.${m}`) ? loadPage(byId.get(`model.${m}`)!) : Promise.resolve(null))));
      if (graph.missing.every((m) => !modelPages.has(m))) break;
      graph = helpers.lineage.build(page.name, column, root, inputOf, LINEAGE_BUDGET);
    }
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "TB", nodesep: 10, ranksep: 26, marginx: 6, marginy: 6 });
    g.setDefaultEdgeLabel(() => ({}));
    const label = (n: LineageGraph["nodes"][number]) => (n.note ? `${n.label} (${n.note})` : n.more ? `${n.label} ▸` : n.label);
    for (const n of graph.nodes) g.setNode(n.key, { width: Math.min(340, label(n).length * 6.6 + 16), height: 24 });
    for (const [a, b] of graph.edges) g.setEdge(a, b);
    dagre.layout(g);
    const size = g.graph();
    const w = size.width ?? 100;
    const h = size.height ?? 100;
    const picture = svg("svg", { class: "lineage", width: w, height: h, viewBox: `0 0 ${w} ${h}` });
    for (const [a, b] of graph.edges) picture.append(svg("path", { d: pathOf(g.edge(a, b).points), class: "edge" }));
    for (const n of graph.nodes) {
      const p = g.node(n.key);
      const title = svg("title");
      title.textContent = n.more ? `continues on ${n.more.model}'s page` : JSON.stringify(n.detail);
      const node = svg("g", { class: `lnode ${n.kind}${n.more ? " more" : ""}`, "data-label": n.label, transform: `translate(${p.x - p.width / 2},${p.y - p.height / 2})` },
        svg("rect", { width: p.width, height: p.height, rx: n.kind === "field" ? 12 : 3 }),
        text(label(n), { x: p.width / 2, y: 16, "text-anchor": "middle" }),
        title);
      const more = n.more;
      if (more) node.addEventListener("click", () => void (win.location.hash = encodeURIComponent(`model.${more.model}${more.column ? `|${more.column}` : ""}`)));
      picture.append(node);
    }
    const note = graph.truncated ? el("p", { class: "hint" }, `Drawn up to ${LINEAGE_BUDGET} nodes: choose a ▸ node to follow it upstream.`) : null;
    const scroller = el("div", { class: "lineage-scroll" }, picture);
    box.replaceChildren(el("h3", {}, `Lineage of ${column}`), ...(note ? [note] : []), scroller);
    // A wide tree opens with its root (the chosen column) in view.
    const top = graph.nodes[0];
    if (top) scroller.scrollLeft = g.node(top.key).x - scroller.clientWidth / 2;
  };

  /** Opens `id`'s page (and the lineage of `column`, when given). */
  const open = (id: string | null, column: string | null) => {
    focus = id !== null && byId.has(id) ? id : null;
    if (focus !== null && !drawnNodes.has(focus)) draw();
    else highlight();
    if (focus === null) return;
    const n = byId.get(focus)!;
    panel.replaceChildren(el("p", { class: "hint" }, `Loading ${n.name}…`));
    loadPage(n).then((page) => {
      if (focus === n.id) renderPage(n, page, column);
    }, (e: Error) => panel.replaceChildren(el("p", { class: "error" }, e.message)));
  };
  // The address says what is open: `#model.orders`, or `#model.orders|revenue` with a column's lineage.
  const fromHash = () => {
    const [id, column] = decodeURIComponent(win.location.hash.slice(1)).split("|");
    open(id ? id : null, column ?? null);
  };
  win.addEventListener("hashchange", fromHash);
  dag.addEventListener("click", () => {
    if (focus !== null && !dragged) win.location.hash = "";
  });

  draw();
  fromHash();
  doc.body.setAttribute("data-ready", "true");
}
