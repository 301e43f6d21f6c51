/** Phase lines on stderr, and on a TTY a live line of counts that rewrites itself. */
export interface Progress {
  line(text: string): void;
  live(render: () => string): () => void;
}

export function stderrProgress(quiet = false): Progress {
  const tty = process.stderr.isTTY === true;
  return {
    line(text) {
      if (!quiet) process.stderr.write(`${text}\n`);
    },
    live(render) {
      if (quiet || !tty) return () => {};
      const timer = setInterval(() => process.stderr.write(`\r\x1b[2K  ${render()}`), 250);
      return () => {
        clearInterval(timer);
        process.stderr.write('\r\x1b[2K');
      };
    },
  };
}

export const silentProgress: Progress = { line: () => {}, live: () => () => {} };
