// A cluster worker that fails at start, every time (see crash-loop-primary.ts).
process.exit(1);
