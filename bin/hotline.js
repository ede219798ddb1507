#!/usr/bin/env node
// The `hotline` command. It runs the CLI in THIS process — no child process, no wrapper — so
// SIGTERM/SIGINT reach the server itself and shut it down cleanly (src/cli.ts installShutdown).
// The TypeScript sources are loaded through tsx's in-process loader (no build step needed).
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
register();
const cli = await import(pathToFileURL(join(root, 'src/cli.ts')).href);
cli.run(process.argv.slice(2));
