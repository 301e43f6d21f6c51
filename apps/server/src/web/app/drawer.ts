export interface DrawerParts {
  button: HTMLButtonElement;
  drawer: HTMLElement;
  backdrop: HTMLElement;
  close: HTMLButtonElement;
  /** What the open drawer covers: kept out of reach of Tab and screen readers meanwhile. */
  covered: HTMLElement[];
}

/** Must match the phone breakpoint in styles.css. */
const PHONE = '(max-width: 680px)';

/**
 * Rooms and people on a phone: a drawer behind the Rooms button (a disclosure with
 * aria-expanded), modal while open. Escape, the Close button and the backdrop close it;
 * focus goes in when it opens and back to where it belongs when it closes.
 */
export class Drawer {
  private readonly phone = window.matchMedia(PHONE);

  constructor(private readonly parts: DrawerParts) {
    parts.button.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    parts.close.addEventListener('click', () => this.close());
    parts.backdrop.addEventListener('click', () => this.close());
    document.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || !this.isOpen) return;
      event.preventDefault();
      this.close();
    });
    // Wider than a phone the drawer is the sidebar, never modal.
    this.phone.addEventListener('change', () => {
      if (!this.phone.matches) this.close(null);
    });
  }

  get isOpen(): boolean {
    return this.parts.drawer.dataset.open === 'true';
  }

  open(): void {
    const { button, drawer, backdrop, close, covered } = this.parts;
    if (!this.phone.matches) return;
    drawer.dataset.open = 'true';
    drawer.setAttribute('role', 'dialog');
    drawer.setAttribute('aria-modal', 'true');
    drawer.setAttribute('aria-label', 'Rooms and people');
    button.setAttribute('aria-expanded', 'true');
    backdrop.hidden = false;
    for (const el of covered) el.inert = true;
    (drawer.querySelector<HTMLElement>('[aria-current="true"]') ?? close).focus();
  }

  /** Closes it and moves focus to `focus` (default: the Rooms button; null: leave focus alone). */
  close(focus: HTMLElement | null = this.parts.button): void {
    const { button, drawer, backdrop, covered } = this.parts;
    if (!this.isOpen) return;
    drawer.dataset.open = 'false';
    for (const name of ['role', 'aria-modal', 'aria-label']) drawer.removeAttribute(name);
    button.setAttribute('aria-expanded', 'false');
    backdrop.hidden = true;
    for (const el of covered) el.inert = false;
    focus?.focus();
  }
}
