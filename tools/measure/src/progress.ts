/** Phase lines on stderr, and on a TTY a live line that rewrites itself in place. */
export interface Progress {
  line(text: string): void;
  /** Redraws `render()` a few times a second until the returned stop function is called. */
  live(render: () => string): () => void;
}

export function stderrProgress(quiet = false, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  return {
    line(text) {
      if (!quiet) stream.write(`${text}\n`);
    },
    live(render) {
      if (quiet || !tty) return () => {};
      const draw = () => stream.write(`\r\x1b[2K  ${render().slice(0, (stream.columns || 120) - 3)}`);
      const timer = setInterval(draw, 250);
      return () => {
        clearInterval(timer);
        stream.write('\r\x1b[2K');
      };
    },
  };
}

export const silentProgress: Progress = { line: () => {}, live: () => () => {} };
