/** Converts the payload of `type` at `fromVersion` into the payload of `fromVersion + 1`. */
export type Upcaster = (data: unknown) => unknown;

/**
 * Old event payloads are never rewritten in the log; readers see them in their current shape
 * because every read passes through here.
 */
export class UpcasterRegistry {
  private readonly upcasters = new Map<string, Upcaster>();

  register(type: string, fromVersion: number, upcaster: Upcaster): this {
    const key = UpcasterRegistry.key(type, fromVersion);
    if (this.upcasters.has(key)) {
      throw new Error(`an upcaster for ${type} v${fromVersion} is already registered`);
    }
    this.upcasters.set(key, upcaster);
    return this;
  }

  upcast(type: string, schemaVersion: number, data: unknown): { schemaVersion: number; data: unknown } {
    let version = schemaVersion;
    let current = data;
    for (;;) {
      const next = this.upcasters.get(UpcasterRegistry.key(type, version));
      if (next === undefined) return { schemaVersion: version, data: current };
      current = next(current);
      version += 1;
    }
  }

  private static key(type: string, version: number): string {
    return `${type}@${version}`;
  }
}
