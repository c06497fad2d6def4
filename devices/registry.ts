import type { z } from 'zod';
import { DEVICE_KINDS, type DeviceKind } from './catalog.ts';
import { readingSchemaFor } from './schemas.ts';

export interface KindContract extends DeviceKind {
  readonly schema: z.ZodType<{ ts: number; metrics: Record<string, number | undefined>; seq?: number | undefined }>;
}

/** kind id → contract. A registry, not a switch, so a town can add kinds as data. */
export class DeviceRegistry {
  readonly #kinds = new Map<string, KindContract>();

  constructor(kinds: readonly DeviceKind[] = DEVICE_KINDS) {
    for (const k of kinds) {
      if (this.#kinds.has(k.id)) throw new Error(`device kind "${k.id}" is registered twice`);
      this.#kinds.set(k.id, { ...k, schema: readingSchemaFor(k) });
    }
  }

  get(kind: string): KindContract | undefined {
    return this.#kinds.get(kind);
  }

  list(): KindContract[] {
    return [...this.#kinds.values()];
  }
}
