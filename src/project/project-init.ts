/**
 * Scaffolding: copies `templates/<name>/` (shipped with the package) into a directory.
 * It never overwrites: a directory that already holds a project, or any file the
 * template would write, stops it before anything is written.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { closestMatch } from "../expr/errors.js";
import { PROJECT_DIR } from "./loading/project-loader.js";

const TEMPLATES = fileURLToPath(new URL("../../templates/", import.meta.url));

/** An init that would overwrite something, or an unknown template; exit code 2. */
export class InitError extends Error {
  override readonly name = "InitError";
  readonly exitCode = 2;
}

export function templateNames(): string[] {
  try {
    return readdirSync(TEMPLATES).filter((d) => statSync(join(TEMPLATES, d)).isDirectory()).sort();
  } catch {
    return [];
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

export async function initProject(dir: string, template: string): Promise<{ dir: string; files: string[] }> {
  const names = templateNames();
  if (!names.includes(template)) {
    const hint = closestMatch(template, names);
    throw new InitError(`unknown template '${template}'${hint ? ` (did you mean '${hint}'?)` : ""}; templates: ${names.join(", ")}`);
  }
  const target = resolve(dir);
  if (existsSync(join(target, PROJECT_DIR))) {
    throw new InitError(`${join(dir, PROJECT_DIR)} already exists; xorq init never overwrites a project`);
  }
  const source = join(TEMPLATES, template);
  const files = listFiles(source);
  const clashes = files.filter((f) => existsSync(join(target, f)));
  if (clashes.length > 0) throw new InitError(`init would overwrite ${clashes.join(", ")} in ${dir}`);
  for (const f of files) {
    await mkdir(dirname(join(target, f)), { recursive: true });
    await copyFile(join(source, f), join(target, f));
  }
  return { dir: target, files };
}
