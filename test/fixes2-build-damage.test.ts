/**
 * Issue 17.2, the build half: `xorq build` notices an artifact in builds/ that is damaged
 * or incomplete (a file deleted, truncated or edited) and writes it again, byte for byte
 * what a fresh build writes, instead of calling it "unchanged". Both ways it can know:
 * a full check (no stamp yet: right after the build that wrote it), and the stamps of
 * target/artifact_stamps.json (an edit that keeps size and mtime still changes ctime).
 */
import { readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

let dir: string;
let hash: string;
let pristine: Map<string, string>;

const artifact = (): string => join(dir, "builds", hash);
const files = (): Map<string, string> => new Map(readdirSync(artifact()).sort().map((f) => [f, readFileSync(join(artifact(), f), "utf8")]));

async function build(): Promise<string> {
  const out = await runCli(["build", "-s", "clean_orders"], dir);
  expect(out.exitCode, out.stderr).toBe(0);
  return /^(\w+)\s+clean_orders\b/m.exec(out.stdout)![1]!;
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "xorq-build-damage-"));
  expect((await runCli(["init", "p"], root)).exitCode).toBe(0);
  dir = join(root, "p");
  expect(await build()).toBe("built");
  hash = readdirSync(join(dir, "builds")).find((d) => !d.startsWith("."))!;
  pristine = files();
});

describe("build rewrites a damaged artifact", () => {
  const damages: ReadonlyArray<readonly [string, () => void]> = [
    ["an edited value in expr.yaml", () => writeFileSync(join(artifact(), "expr.yaml"), pristine.get("expr.yaml")!.replace("shipped", "shipper"))],
    ["a deleted sql.yaml", () => rmSync(join(artifact(), "sql.yaml"))],
    ["an emptied profiles.yaml", () => writeFileSync(join(artifact(), "profiles.yaml"), "")],
    ["a deleted deferred_reads.yaml", () => rmSync(join(artifact(), "deferred_reads.yaml"))],
    ["a truncated metadata.json", () => writeFileSync(join(artifact(), "metadata.json"), pristine.get("metadata.json")!.slice(0, 40))],
  ];
  for (const [what, damage] of damages) {
    it(what, async () => {
      damage();
      expect(await build()).toBe("built");
      expect(files()).toEqual(pristine);
      expect(await build()).toBe("unchanged");
    });
  }

  it("an edit that keeps the size and the mtime, once the artifact is stamped", async () => {
    await sleep(100); // older than the racy window: the next build stamps the artifact
    expect(await build()).toBe("unchanged");
    expect(readFileSync(join(dir, "target", "artifact_stamps.json"), "utf8")).toContain(hash);
    const file = join(artifact(), "sql.yaml");
    const before = statSync(file);
    const text = pristine.get("sql.yaml")!;
    const i = text.indexOf("shipped");
    writeFileSync(file, `${text.slice(0, i)}SHIPPED${text.slice(i + 7)}`);
    utimesSync(file, before.atime, before.mtime);
    expect(statSync(file).size).toBe(before.size);
    expect(await build()).toBe("built");
    expect(files()).toEqual(pristine);
  });
});
