/**
 * Issue 17.13: temporary files a command left behind for good (kill -9 mid-build, ENOSPC
 * mid-save) are removed by the next command that owns the folder (builds/, target/);
 * those of a process still running are left alone.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("stale temporary files are removed", () => {
  it("by xorq build, in builds/ and target/", async () => {
    const root = mkdtempSync(join(tmpdir(), "xorq-stale-temps-"));
    expect((await runCli(["init", "p"], root)).exitCode).toBe(0);
    const dir = join(root, "p");
    expect((await runCli(["build"], dir)).exitCode).toBe(0);
    const dead = deadPid();
    const live = process.pid;
    const deadArtifact = join(dir, "builds", `.8c2771bf6971.${dead}.0a1b2c3d.tmp`);
    const liveArtifact = join(dir, "builds", `.0f76e895c835.${live}.0a1b2c3d.tmp`);
    for (const d of [deadArtifact, liveArtifact]) {
      mkdirSync(d);
      writeFileSync(join(d, "expr.yaml"), "root: x\n");
    }
    const deadNodes = join(dir, "target", `resolve_nodes.0123456789ab.json.${dead}.tmp`);
    const deadManifest = join(dir, "target", `.manifest.json.${dead}.deadbeef.tmp`);
    const liveNodes = join(dir, "target", `resolve_nodes.0123456789ab.json.${live}.tmp`);
    for (const f of [deadNodes, deadManifest, liveNodes]) writeFileSync(f, "{");

    const out = await runCli(["build"], dir);
    expect(out.exitCode, out.stderr).toBe(0);
    expect([deadArtifact, deadNodes, deadManifest].filter(existsSync)).toEqual([]);
    expect([liveArtifact, liveNodes].filter(existsSync)).toEqual([liveArtifact, liveNodes]);
  });
});
