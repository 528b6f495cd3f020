// Runs a TypeScript worker entry (workerData.entry) from the sources: what dist/ does compiled.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
