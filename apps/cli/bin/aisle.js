#!/usr/bin/env node
// The `aisle` command (built by `npm run build` into apps/cli/dist).
import { run } from '../dist/main.js';

process.exitCode = await run(process.argv);
