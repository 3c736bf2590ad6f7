/**
 * A library script that opens a PostgreSQL connection and never closes it exits when
 * its work is done: an idle session does not hold the event loop.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describePg } from "./helpers/postgres.js";

const DIST = new URL("../dist/index.js", import.meta.url).href;

/** Runs `body` as an ES module script; resolves with its exit code and output, or "timeout" after `ms`. */
function runScript(body: string, ms: number): Promise<{ code: number | "timeout"; stdout: string; stderr: string }> {
  const file = join(mkdtempSync(join(tmpdir(), "xorq-exit-")), "script.mjs");
  writeFileSync(file, `import * as xo from ${JSON.stringify(DIST)};\n${body}\n`);
  return new Promise((done) => {
    const child = spawn(process.execPath, [file], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      done({ code: "timeout", stdout, stderr });
    }, ms);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

describePg("a script over PostgreSQL without close()", () => {
  it("exits when its work is done, after queries, a stream and a table write", async () => {
    const result = await runScript(`
      const pg = xo.postgres.connectEnv();
      const t = await pg.sql("SELECT 41 + 1 AS answer");
      const rows = await t.execute();
      await pg.ingest("xorq_exit_probe", t.schema(), rows.batches, { temporary: true });
      console.log(String(rows.getChild("answer").get(0)), (await pg.listTables()).includes("xorq_exit_probe"));`, 20_000);
    expect(result.stderr).toBe("");
    expect(result).toMatchObject({ code: 0, stdout: "42 true\n" });
  });

  it("stays alive while a query is still running", async () => {
    const result = await runScript(`
      const pg = xo.postgres.connectEnv();
      await pg.run("SELECT pg_sleep(0.5)");
      console.log("slept");`, 20_000);
    expect(result).toMatchObject({ code: 0, stdout: "slept\n" });
  });
});
