// Drawing attention to critical incidents: the page title carries the count of
// unacknowledged critical ones ("(2) Qala · Temirtau", seen from another tab), a
// banner stays on top while there are any, and a new one flashes the page and
// sounds a tone (two short beeps through Web Audio) unless the operator muted it.
// The mute choice is kept in this browser. Browsers start audio only after a click
// on the page; until then the flash is the alarm.
import type { Incident } from '../../services/contracts/index.ts';
import { num, t } from './i18n/i18n.ts';

const MUTE_KEY = 'qala.muted';

export class Alarm {
  readonly #seen = new Set<string>();
  #baseTitle = 'Qala';
  #audio: AudioContext | undefined;
  #primed = false;
  #muted = localStorage.getItem(MUTE_KEY) === '1';
  #flashTimer: number | undefined;
  /** how many alarms sounded or flashed since the page opened (for tests and the status line) */
  raised = 0;

  constructor() {
    const unlock = () => {
      this.#audio ??= new AudioContext();
      void this.#audio.resume();
    };
    document.addEventListener('pointerdown', unlock, { once: true });
    document.addEventListener('keydown', unlock, { once: true });
    const button = document.getElementById('mute')!;
    button.addEventListener('click', () => {
      this.#muted = !this.#muted;
      localStorage.setItem(MUTE_KEY, this.#muted ? '1' : '0');
      this.relabel();
    });
    this.relabel();
  }

  relabel(): void {
    const button = document.getElementById('mute')!;
    button.textContent = this.#muted ? t('header.soundOff') : t('header.soundOn');
    button.classList.toggle('muted', this.#muted);
    button.setAttribute('aria-pressed', String(this.#muted));
  }

  setBaseTitle(title: string): void {
    this.#baseTitle = title;
  }

  /**
   * The incidents now unresolved. Those already there when the page opened do not
   * sound (the operator sees them in the banner); a critical one first seen later does.
   */
  update(unresolved: Iterable<Incident>): void {
    const critical = [...unresolved].filter((i) => i.severity === 'critical' && i.state === 'open');
    let fresh = false;
    for (const i of critical) {
      if (!this.#seen.has(i.id) && this.#primed) fresh = true;
      this.#seen.add(i.id);
    }
    this.#primed = true;
    const n = critical.length;
    document.title = n ? `(${n}) ${this.#baseTitle}` : this.#baseTitle;
    const banner = document.getElementById('banner')!;
    banner.hidden = n === 0;
    banner.querySelector('.text')!.textContent = t('incidents.banner', { n: num(n, 0) });
    if (fresh) this.#raise();
  }

  #raise(): void {
    this.raised++;
    document.body.dataset.alarms = String(this.raised);
    document.body.classList.remove('flash');
    // restart the animation
    void document.body.offsetWidth;
    document.body.classList.add('flash');
    clearTimeout(this.#flashTimer);
    this.#flashTimer = window.setTimeout(() => document.body.classList.remove('flash'), 6000);
    if (!this.#muted && this.#audio?.state === 'running') this.#beep(this.#audio);
  }

  #beep(ctx: AudioContext): void {
    for (const start of [0, 0.35]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + start);
      gain.gain.exponentialRampToValueAtTime(0.3, ctx.currentTime + start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + start + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + start);
      osc.stop(ctx.currentTime + start + 0.3);
    }
  }
}
