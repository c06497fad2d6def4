// A progress line for long runs: a bar on a terminal, a line every few seconds
// otherwise (CI logs, pipes).
export interface ProgressState {
  /** 0..1, or undefined for a run without an end */
  fraction: number | undefined;
  text: string;
}

export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  #lastLine = 0;

  constructor(out: NodeJS.WriteStream = process.stderr) {
    this.#out = out;
    this.#tty = Boolean(out.isTTY);
  }

  update(s: ProgressState): void {
    const bar = s.fraction === undefined ? '' : `[${'#'.repeat(Math.round(s.fraction * 30)).padEnd(30, '-')}] ${(s.fraction * 100).toFixed(0).padStart(3)}% `;
    if (this.#tty) {
      this.#out.write(`\r${bar}${s.text}`.padEnd(this.#out.columns ?? 100).slice(0, (this.#out.columns ?? 100) - 1));
    } else if (Date.now() - this.#lastLine >= 5000) {
      this.#lastLine = Date.now();
      this.#out.write(`${bar}${s.text}\n`);
    }
  }

  done(): void {
    if (this.#tty) this.#out.write('\n');
  }
}
