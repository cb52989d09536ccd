#!/usr/bin/env node
// Placeholder entry point; the commander program lands with the receipts/CLI issue.
console.error('remembrancer: not yet implemented');
process.exit(2);
