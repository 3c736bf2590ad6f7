/**
 * A shared catalog of the SHOP project's builds, as a teammate publishes it: built,
 * added under the given aliases, pushed to a bare remote, and the project deleted, so
 * the tests that clone it can only use what the catalog carries.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { xorqInProcess as xorq } from "./cli.js";
import { SHOP, writeFiles } from "./project.js";

export interface ShopCatalog {
  /** The bare remote to clone. */
  readonly remote: string;
  /** Model name -> short build hash. */
  readonly hashes: Readonly<Record<string, string>>;
}

/** Publishes SHOP's builds under `root`: `aliases` maps an alias to the model whose build it names. */
export async function publishShopCatalog(root: string, aliases: Readonly<Record<string, string>>): Promise<ShopCatalog> {
  const remote = join(root, "remote.git");
  execFileSync("git", ["init", "--bare", "-q", "-b", "main", remote]);
  const project = join(root, "project");
  writeFiles(project, SHOP);
  expect((await xorq(project, ["catalog", "init", "--remote", remote])).code).toBe(0);
  expect((await xorq(project, ["build"])).code).toBe(0);
  const ls = JSON.parse((await xorq(project, ["ls", "--output", "json"])).stdout) as Array<{ name: string; hash: string }>;
  const hashes = Object.fromEntries(ls.map((m) => [m.name, m.hash.slice(0, 12)]));
  for (const [alias, model] of Object.entries(aliases)) {
    expect((await xorq(project, ["catalog", "add", `builds/${hashes[model]}`, "--alias", alias])).code).toBe(0);
  }
  expect((await xorq(project, ["catalog", "push"])).code).toBe(0);
  // The source data goes: the clones must not need it.
  rmSync(project, { recursive: true, force: true });
  return { remote, hashes };
}
