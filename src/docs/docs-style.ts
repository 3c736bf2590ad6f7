/** The docs site's stylesheet (written to `docs.css`): a graph on the left, the open page on the right. */
export const DOCS_CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #f6f8fa; }
header { display: flex; align-items: center; gap: 12px; padding: 8px 14px; background: #24292f; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0 8px 0 0; }
#search { flex: 0 1 420px; padding: 5px 9px; border-radius: 6px; border: 1px solid #57606a; font: 13px ui-monospace, monospace; }
#status { font-size: 12px; color: #d0d7de; }
#status.error { color: #ffb4ab; font-weight: 600; }
#legend { display: flex; gap: 10px; margin-left: auto; font-size: 12px; }
#legend i, .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
main { display: flex; height: calc(100% - 46px); }
#graph { position: relative; flex: 1 1 60%; min-width: 0; border-right: 1px solid #d0d7de; background: #fff; }
#dag { width: 100%; height: 100%; cursor: grab; display: block; }
.project-description { position: absolute; left: 10px; bottom: 6px; max-width: 60%; font-size: 12px; color: #57606a; pointer-events: none; }
.project-description p { margin: 0; }
#panel { flex: 1 1 40%; min-width: 340px; max-width: 760px; overflow: auto; padding: 14px 18px; }
.edge { fill: none; stroke: #8c959f; stroke-width: 1.4; }
.edge.hop { stroke: #cf222e; stroke-dasharray: 5 3; stroke-width: 2; }
.edge.dim { opacity: 0.12; }
marker path { fill: #8c959f; }
.hop-label { font-size: 10px; fill: #cf222e; font-weight: 600; }
.node { cursor: pointer; }
.node rect { stroke: rgba(0,0,0,.25); stroke-width: 1; }
.node .name { fill: #fff; font-size: 12px; font-weight: 600; }
.node.source rect { fill-opacity: 0.75; }
.node.dim { opacity: 0.18; }
.node.lit > rect { stroke: #24292f; stroke-width: 2; }
.node.focus > rect { stroke: #000; stroke-width: 3.5; }
.badge rect { fill: rgba(255,255,255,.85); }
.badge text { font-size: 8.5px; fill: #24292f; font-weight: 600; }
.badge.cache rect { fill: #ddf4ff; }
.badge.materialized rect { fill: #fff3cd; }
.badge.hop rect { fill: #ffebe9; }
.badge.run-computed rect, .badge.run-cached rect, .badge.run-success rect { fill: #dafbe1; }
.badge.run-warn rect { fill: #fff8c5; }
.badge.run-error rect { fill: #ff8182; }
.page h2 { margin: 0 0 6px; font-size: 20px; }
.chip { font-size: 11px; font-weight: 500; margin-left: 8px; padding: 1px 7px; border-radius: 9px; background: #ddf4ff; vertical-align: 3px; }
.chip.source { background: #fff8c5; }
.facts, .columns, .tests { border-collapse: collapse; width: 100%; margin: 8px 0; }
.facts th { text-align: left; width: 90px; color: #57606a; font-weight: 500; vertical-align: top; padding: 2px 8px 2px 0; }
.facts td { padding: 2px 0; }
.columns th, .columns td, .tests th, .tests td { text-align: left; border-bottom: 1px solid #d8dee4; padding: 3px 6px; }
.columns tr.pick { cursor: pointer; }
.columns tr.pick:hover { background: #eaeef2; }
.columns tr.chosen { background: #ddf4ff; }
.tag { display: inline-block; padding: 0 7px; margin-right: 4px; border-radius: 9px; background: #eaeef2; font-size: 12px; }
.hash { font-size: 11px; word-break: break-all; }
.run { font-weight: 600; }
.run-error { color: #cf222e; }
.run-success { color: #1a7f37; }
.run-warn { color: #9a6700; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 10px; overflow: auto; font: 12px/1.4 ui-monospace, monospace; max-height: 420px; }
.segment h4 { margin: 10px 0 2px; font-size: 12px; color: #57606a; }
.hint { color: #57606a; font-style: italic; }
.error { color: #cf222e; }
.lineage-scroll { overflow: auto; max-height: 520px; border: 1px solid #d0d7de; border-radius: 6px; background: #fff; }
.lineage .edge { stroke: #8c959f; }
.lnode rect { fill: #eaeef2; stroke: #8c959f; }
.lnode.field rect { fill: #ddf4ff; stroke: #54aeff; }
.lnode.relation rect { fill: #fff8c5; stroke: #d4a72c; }
.lnode text { font: 11px ui-monospace, monospace; fill: #1f2328; }
a.ref { color: #0969da; text-decoration: none; }
a.ref:hover { text-decoration: underline; }
`;
