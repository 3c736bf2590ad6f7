/**
 * `xorq cache ls | clear | prune`: the parquet entries of a cache directory (default
 * `~/.cache/xorq/parquet`, `XORQ_CACHE_DIR` moves the root; `--dir` picks another
 * directory or a GCSCache bucket as `gs://bucket/prefix/`).
 * `clear --select S` deletes the entries of the selected models of a project, wherever
 * their policies keep them (parquet directories and buckets).
 */
import type { Command } from "commander";
import { defaultParquetDir, parquetDir } from "../../cache/cache-dirs.js";
import { type CacheEntry, clearCache, listCache, pruneCache } from "../../cache/cache-entries.js";
import { GcsObjectStore } from "../../cache/gcs-object-store.js";
import { ownCacheNodes } from "../../cache/project-caches.js";
import { nodeHash } from "../../expr/canonical.js";
import { type ProjectCommandOptions, loadAndSelect, withProjectOptions } from "../project-options.js";
import { runWithServices } from "../command-services.js";

interface DirOptions {
  readonly dir?: string;
  readonly json?: boolean;
}

const DIR_HELP = "the cache directory, or gs://bucket/prefix/ (default: $XORQ_CACHE_DIR/parquet or ~/.cache/xorq/parquet)";

export function register(program: Command): void {
  const cache = program.command("cache").description("inspect and manage cache entries");

  cache
    .command("ls")
    .description("list the entries of a parquet cache directory, newest first")
    .option("--dir <dir>", DIR_HELP)
    .option("--json", "one JSON array of entries")
    .action((options: DirOptions) =>
      runWithServices(options.json, async (services) => {
        const listing = await listCache(options.dir ?? defaultParquetDir(), Date.now(), services);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ dir: listing.dir, entries: listing.entries, staging: listing.staging }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${listing.dir}\n`);
        const now = Date.now();
        const rows = listing.entries.map((e) => entryRow(e, now));
        for (const line of align([["KEY", "STRATEGY", "ROWS", "SIZE", "AGE", "TTL", "EXPRESSION"], ...rows])) process.stdout.write(`${line}\n`);
        for (const s of listing.staging) process.stdout.write(`(writing) ${s.path}${s.live ? ` by pid ${s.pid}` : " (abandoned: xorq cache prune removes it)"}\n`);
        process.stdout.write(`${listing.entries.length} entr${listing.entries.length === 1 ? "y" : "ies"}, ${formatBytes(listing.entries.reduce((s, e) => s + e.size, 0))}\n`);
      }),
    );

  withProjectOptions(
    cache
      .command("clear")
      .description("delete cache entries: all of a directory, or with --select those of the selected models")
      .option("--dir <dir>", DIR_HELP)
      .option("--json", "the deleted files as JSON"),
  ).action((options: DirOptions & ProjectCommandOptions) =>
    runWithServices(options.json, async (services) => {
      let removed: string[] = [];
      if (options.select === undefined) {
        removed = await clearCache(options.dir ?? defaultParquetDir(), { services });
      } else {
        const { project, names } = await loadAndSelect(options);
        try {
          // Entries are found by the hash of the expression they cache, in each policy's own directory.
          const byDir = new Map<string, Set<string>>();
          for (const name of names) {
            for (const node of ownCacheNodes(project, name)) {
              if (node.policy.storage === "source") continue;
              const dir = options.dir ?? (node.policy.storage === "gcs" ? new GcsObjectStore(node.policy.options.bucket!, node.policy.options.prefix).location : parquetDir(node.policy, project.location.projectDir));
              if (!byDir.has(dir)) byDir.set(dir, new Set());
              byDir.get(dir)!.add(nodeHash(node.input));
            }
          }
          for (const [dir, inputs] of byDir) removed.push(...(await clearCache(dir, { inputs, services })));
        } finally {
          await project.close();
        }
      }
      if (options.json) process.stdout.write(`${JSON.stringify({ removed })}\n`);
      else process.stdout.write(`removed ${removed.length} entr${removed.length === 1 ? "y" : "ies"}\n`);
    }),
  );

  cache
    .command("prune")
    .description("delete entries that can no longer be served: expired, superseded by a newer entry of the same expression, abandoned writes")
    .option("--dir <dir>", DIR_HELP)
    .option("--dry-run", "only list what would be deleted")
    .option("--json", "what was deleted, as JSON")
    .action((options: DirOptions & { dryRun?: boolean }) =>
      runWithServices(options.json, async (services) => {
        const { removed } = await pruneCache(options.dir ?? defaultParquetDir(), { dryRun: options.dryRun, services });
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ removed, dry_run: options.dryRun ?? false })}\n`);
          return;
        }
        for (const r of removed) process.stdout.write(`${options.dryRun ? "would remove" : "removed"}  ${r.reason.padEnd(15)}  ${r.path}\n`);
        process.stdout.write(`${options.dryRun ? "would remove" : "removed"} ${removed.length} file${removed.length === 1 ? "" : "s"}\n`);
      }),
    );
}

function entryRow(e: CacheEntry, now: number): string[] {
  return [
    e.key.slice(0, 12),
    e.metadata?.strategy ?? "?",
    e.rows === null ? "?" : e.rows.toLocaleString("en-US"),
    formatBytes(e.size),
    formatAge(now - e.writtenMs),
    e.metadata?.ttl ? `${e.metadata.ttl}s${e.expired ? " (expired)" : ""}` : "-",
    e.metadata ? e.metadata.input.slice(0, 12) : "(not written by xorq)",
  ];
}

function align(rows: ReadonlyArray<ReadonlyArray<string>>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
}

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}
