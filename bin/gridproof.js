#!/usr/bin/env node
// Plain `node` runs this right after `npm ci`: Node 20 cannot run .ts files
// itself, so the tsx loader is registered before the TypeScript entry point.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
