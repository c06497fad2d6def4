// The shape of a fault kind (simulator/fault-kinds.ts lists them), apart from the lists,
// so the kinds of the city's buildings (fault-kinds-city.ts) can share it without an import circle.
/** `dependent`: a building fed by the target (a school on a failed substation), changed by the kind's `dependents` effect */
export type FaultRole = 'target' | 'neighbour' | 'dependent';

/** What an effect may need of the town at the reading's instant. */
export interface FaultEnv {
  outdoorTemp: number;
}

export interface FaultKind {
  readonly targetKind: string;
  readonly network: 'water' | 'heat' | 'power' | 'gas' | null;
  readonly utility: string;
  readonly ratePerYear: number;
  readonly durationMinutes: readonly [number, number];
  /** how many nearest devices of the same kind in the district are also affected */
  readonly neighbours?: number;
  /** device kinds in the target's district that go silent (lose mains power) */
  readonly silences?: readonly string[];
  /** the chance that the target itself goes silent too (a feeder's telemetry on the line it measures) */
  readonly silencesTarget?: number;
  /** `heating`: random faults of this kind strike only in the heating season (a substation out of season carries hot water only) */
  readonly season?: 'heating';
  /**
   * seen only through whole night windows (02:00–04:00 local), this many of them: a
   * minimum-night-flow rule cannot see the fault before (`observableFrom`)
   */
  readonly needsNights?: number;
  /** `school-hours`: random faults of this kind strike only while the target's rooms are in use (simulator/models-city.ts) */
  readonly during?: 'school-hours';
  /** draws its random times and targets on a stream of its own, so adding the kind leaves every other kind's faults as they were */
  readonly ownStream?: boolean;
  /** the effect reads the town's conditions (its `env` argument) */
  readonly needsEnv?: boolean;
  /** devices of these kinds in the target's district whose nearest device of the target's kind is the target: the buildings it feeds */
  readonly dependents?: { readonly kinds: readonly string[]; readonly effect: (m: Record<string, number>, sinceMs: number, severity: number, env: FaultEnv) => void };
  /** transforms a device's metrics while the fault is active; `sinceMs` since the fault began, `severity` 0.5..1 */
  readonly effect: (m: Record<string, number>, role: FaultRole, sinceMs: number, severity: number, env?: FaultEnv) => void;
}
