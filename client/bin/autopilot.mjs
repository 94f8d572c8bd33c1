#!/usr/bin/env node
// Plain JS so it runs on the user's own Node (20+); the CLI itself is the esbuild bundle.
import "../package/dist/cli.mjs";
