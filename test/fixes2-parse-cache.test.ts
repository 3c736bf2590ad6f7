/**
 * Issue 17.3: an edit that keeps a model file's size and restores its mtime (an editor or
 * a tool that rewrites in place, then `touch -d`) must not leave build on the old
 * definition. The parse cache compares ctime too, which no tool can set back.
 */
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

describe("the parse cache sees a same-size, same-mtime edit", () => {
  it("xorq build rebuilds the model whose file was rewritten in place", async () => {
    const root = mkdtempSync(join(tmpdir(), "xorq-parse-cache-"));
    expect((await runCli(["init", "p"], root)).exitCode).toBe(0);
    const dir = join(root, "p");
    const file = join(dir, "xorq_project", "models", "staging", "clean_orders.yaml");
    const old = new Date("2024-01-01T00:00:00Z"); // whole seconds: restored exactly below
    utimesSync(file, old, old);
    await sleep(300); // the files are older than the racy window of the loads below
    const first = await runCli(["build", "-s", "clean_orders"], dir);
    expect(first.exitCode, first.stderr).toBe(0);
    const before = /clean_orders\s+([0-9a-f]{12})/.exec(first.stdout)![1]!;
    await sleep(300);

    const stat = statSync(file);
    writeFileSync(file, readFileSync(file, "utf8").replace("amount * 0.92", "amount * 0.93"));
    utimesSync(file, old, old);
    expect(statSync(file).size).toBe(stat.size);
    expect(statSync(file).mtimeMs).toBe(stat.mtimeMs);

    const second = await runCli(["build", "-s", "clean_orders"], dir);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/built\s+clean_orders/);
    expect(/clean_orders\s+([0-9a-f]{12})/.exec(second.stdout)![1]).not.toBe(before);
  });
});
