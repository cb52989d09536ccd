#!/usr/bin/env node
// The `remembrancer` command. Everything it does goes through cli/program.ts.
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2));
