#!/usr/bin/env node
'use strict';
/**
 * Runs `nest build` only when dist/ is missing or older than its inputs, so that `npm start` and
 * `npm run token` work on a fresh clone without paying for a build every time.
 *
 * Inputs: every file and folder under src/, libs/, migrations/ and bench/ (a folder's mtime changes when
 * a file in it is added, renamed or deleted), tsconfig*.json, nest-cli.json, package-lock.json.
 * Messages go to stderr so that `npm run token` prints only the token on stdout.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const marker = path.join(root, 'dist', 'src', 'main.js');
const SOURCE_DIRS = ['src', 'libs', 'migrations', 'bench'];
const ROOT_FILES = ['nest-cli.json', 'package-lock.json'];

function mtimeOf(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The first path under `dir` (itself included) modified after `since`, or undefined. */
function newerIn(dir, since) {
  const own = mtimeOf(dir);
  if (own === undefined) return undefined;
  if (own > since) return dir;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules') continue;
      const found = newerIn(full, since);
      if (found !== undefined) return found;
    } else {
      const time = mtimeOf(full);
      if (time !== undefined && time > since) return full;
    }
  }
  return undefined;
}

function reasonToBuild() {
  const built = mtimeOf(marker);
  if (built === undefined) return 'dist/src/main.js is missing';
  const rootFiles = [
    ...ROOT_FILES,
    ...fs.readdirSync(root).filter((name) => /^tsconfig.*\.json$/.test(name)),
  ];
  for (const name of rootFiles) {
    const time = mtimeOf(path.join(root, name));
    if (time !== undefined && time > built) return `${name} changed`;
  }
  for (const dir of SOURCE_DIRS) {
    const found = newerIn(path.join(root, dir), built);
    if (found !== undefined) return `${path.relative(root, found)} changed`;
  }
  return undefined;
}

function main() {
  const reason = reasonToBuild();
  if (reason === undefined) return 0;

  const nest = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'nest.cmd' : 'nest');
  if (mtimeOf(nest) === undefined) {
    console.error('build-if-needed: node_modules/.bin/nest not found; run `npm ci` first.');
    return 1;
  }
  console.error(`build-if-needed: building (${reason})...`);
  const started = Date.now();
  const result = spawnSync(nest, ['build'], {
    cwd: root,
    stdio: ['inherit', 2, 'inherit'],
    shell: process.platform === 'win32',
  });
  if (result.error !== undefined) {
    console.error(`build-if-needed: could not run nest build: ${result.error.message}`);
    return 1;
  }
  if (result.status !== 0) {
    // tsc may emit despite type errors: drop the marker so the next run builds again rather than
    // starting a half-built dist/.
    fs.rmSync(marker, { force: true });
    console.error(`build-if-needed: nest build failed (${result.signal ?? `exit code ${result.status}`}).`);
    return 1;
  }
  console.error(`build-if-needed: built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return 0;
}

process.exitCode = main();
