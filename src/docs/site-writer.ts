/**
 * Writes the docs site: a static file tree that a browser opens from `file://` with no
 * network, every script and style in it (dagre's browser bundle is copied from
 * node_modules, not loaded from a CDN).
 *
 *   index.html       the page
 *   docs.css         its style
 *   dagre.min.js     @dagrejs/dagre's browser bundle (`window.dagre`)
 *   docs-app.js      the app (docs-app.ts, docs-selector.ts, lineage-graph.ts, embedded as source)
 *   docs-data.js     the index: `window.XORQ_DOCS = {...}`
 *   pages/<i>.js     one per model and source: `XORQ_DOCS_PAGE({...})`, loaded when opened
 *
 * Data files are scripts, not JSON: a page opened from `file://` may not fetch files.
 * Nothing in them depends on the time or the machine, so regenerating an unchanged
 * project rewrites the same bytes.
 */
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { docsApp } from "./docs-app.js";
import type { DocsSite } from "./docs-model.js";
import { docsSelector } from "./docs-selector.js";
import { DOCS_CSS } from "./docs-style.js";
import { lineageGraphs } from "./lineage-graph.js";

/** dagre's self-contained browser build, next to the CommonJS entry its package exports. */
function dagreBundle(): string {
  return join(dirname(createRequire(import.meta.url).resolve("@dagrejs/dagre")), "dagre.min.js");
}

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

function indexHtml(projectName: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(projectName)} · xorq docs</title>
<link rel="stylesheet" href="docs.css">
</head>
<body>
<noscript>The xorq docs site needs JavaScript.</noscript>
<script src="dagre.min.js"></script>
<script src="docs-data.js"></script>
<script src="docs-app.js"></script>
</body>
</html>
`;
}

/** The app script: the functions' source text, called with the index, its helpers, dagre and the window. */
export function appScript(): string {
  return `"use strict";
(() => {
const docsSelector = ${docsSelector.toString()};
const lineageGraphs = ${lineageGraphs.toString()};
const docsApp = ${docsApp.toString()};
docsApp(window.XORQ_DOCS, { selector: docsSelector(), lineage: lineageGraphs(), dagre: window.dagre }, window);
})();
`;
}

export interface WrittenSite {
  readonly dir: string;
  /** Files written, pages included. */
  readonly files: number;
}

/** Writes `site` into `dir` (created if needed); pages of a previous generation are removed first. */
export async function writeDocsSite(site: DocsSite, dir: string): Promise<WrittenSite> {
  await mkdir(dir, { recursive: true });
  await rm(join(dir, "pages"), { recursive: true, force: true });
  await mkdir(join(dir, "pages"));
  await Promise.all([
    writeFile(join(dir, "index.html"), indexHtml(site.index.project.name)),
    writeFile(join(dir, "docs.css"), DOCS_CSS),
    copyFile(dagreBundle(), join(dir, "dagre.min.js")),
    writeFile(join(dir, "docs-app.js"), appScript()),
    writeFile(join(dir, "docs-data.js"), `window.XORQ_DOCS = ${JSON.stringify(site.index)};\n`),
  ]);
  // In groups: 10,000 pages must not open 10,000 files at once.
  const GROUP = 64;
  for (let i = 0; i < site.pages.length; i += GROUP) {
    await Promise.all(
      site.pages.slice(i, i + GROUP).map((page, j) => writeFile(join(dir, site.index.nodes[i + j]!.page), `XORQ_DOCS_PAGE(${JSON.stringify(page)});\n`)),
    );
  }
  return { dir, files: 5 + site.pages.length };
}
