/**
 * Pure reassembly of concatenated MO parts.
 *
 * State is plain, immutable data: every call returns a new state and never mutates its input, so
 * the adapter can keep it in memory and rebuild it after a restart from its persisted parts
 * (`rebuildReassembly`). Sets are keyed by (source address, reference, total). Parts may arrive in
 * any order; a repeated part (same seq, same octets) is ignored. `expire` hands back sets that
 * stayed incomplete longer than the timeout, to be processed as-is with their missing parts noted
 * and a gap marker (`[…]`) in the text where they are missing.
 *
 * Text is joined at the octet level where that is safe: consecutive parts with the same data
 * coding are concatenated BEFORE decoding, so a UCS2 surrogate pair (emoji) or a GSM escape split
 * across two parts survives. Otherwise the decoded strings are joined.
 *
 * After a set completes (or expires), a short-lived tombstone remembers the fingerprints of its
 * parts until the next `expire` past the timeout, so a late re-delivered copy of one of its parts
 * is recognised as a duplicate instead of opening a new set. A different message that reuses the
 * reference (different octets) still opens a new set.
 */
import { decodeShortMessage, effectiveAlphabet, type DecodeOptions } from './dcs.js';
import type { MoPart } from './mo.js';

export interface PartialSet {
  key: string;
  source: string;
  ref: number;
  total: number;
  refBits: 8 | 16;
  firstAt: number;
  lastAt: number;
  /** seq → part */
  parts: Readonly<Record<number, MoPart>>;
}

interface Tombstone {
  at: number;
  /** seq → fingerprint of the octets seen */
  seen: Readonly<Record<number, string>>;
}

export interface ReassemblyState {
  readonly sets: Readonly<Record<string, PartialSet>>;
  readonly recent: Readonly<Record<string, Tombstone>>;
}

export interface Reassembled {
  key: string;
  source: string;
  text: string;
  /** Parts present, in seq order. */
  parts: MoPart[];
  /** Missing seq numbers (empty when complete). */
  missing: number[];
  complete: boolean;
  warnings: string[];
  /** Earliest arrival among the parts. */
  firstAt: number;
}

export interface ReassemblyOptions extends DecodeOptions {
  /** Inserted once per run of missing parts in an expired set. Default GAP_MARKER. */
  gapMarker?: string;
}

/** What stands in the stored text where parts of a long message never arrived: a cut is never silent. */
export const GAP_MARKER = '[…]';

const DEFAULT_OPTS: ReassemblyOptions = { dc0: 'gsm7' };

export function emptyReassembly(): ReassemblyState {
  return { sets: {}, recent: {} };
}

export function reassemblyKey(source: string, ref: number, total: number): string {
  return `${source}|${ref}|${total}`;
}

export interface AddResult {
  state: ReassemblyState;
  /** Set when this part completed a message (or was a single, unconcatenated message). */
  complete?: Reassembled;
  /** True when the part was a repeat and was ignored. */
  duplicate?: boolean;
  warnings: string[];
}

/** Add one part. A part without concat info is a complete message on its own. */
export function addPart(state: ReassemblyState, part: MoPart, opts: ReassemblyOptions = DEFAULT_OPTS): AddResult {
  const c = part.concat;
  if (!c || c.total <= 1) {
    const done = assemble([part], 1, part.source, reassemblyKey(part.source, c?.ref ?? -1, 1), opts);
    return { state, complete: done, warnings: [] };
  }
  const key = reassemblyKey(part.source, c.ref, c.total);
  const fp = fingerprint(part);

  const tomb = state.recent[key];
  if (tomb && tomb.seen[c.seq] === fp) return { state, duplicate: true, warnings: [] };

  const existing = state.sets[key];
  if (existing && existing.parts[c.seq]) {
    const same = fingerprint(existing.parts[c.seq]) === fp;
    return {
      state,
      duplicate: true,
      warnings: same ? [] : [`part ${c.seq}/${c.total} of ${key} arrived twice with different content; the first is kept`],
    };
  }

  const set: PartialSet = existing
    ? { ...existing, lastAt: Math.max(existing.lastAt, part.receivedAt), firstAt: Math.min(existing.firstAt, part.receivedAt), parts: { ...existing.parts, [c.seq]: part } }
    : { key, source: part.source, ref: c.ref, total: c.total, refBits: c.refBits, firstAt: part.receivedAt, lastAt: part.receivedAt, parts: { [c.seq]: part } };

  if (Object.keys(set.parts).length < c.total) {
    return { state: { sets: { ...state.sets, [key]: set }, recent: state.recent }, warnings: [] };
  }

  // Complete: drop the set, leave a tombstone.
  const { [key]: _done, ...rest } = state.sets;
  void _done;
  const done = assemble(Object.values(set.parts), set.total, set.source, key, opts);
  return {
    state: { sets: rest, recent: { ...state.recent, [key]: tombstoneOf(set, part.receivedAt) } },
    complete: done,
    warnings: [],
  };
}

/**
 * Hand back every set whose first part arrived more than `timeoutMs` before `now`, assembled from
 * what is there (missing parts listed), and forget tombstones older than the timeout.
 */
export function expire(state: ReassemblyState, now: number, timeoutMs: number, opts: ReassemblyOptions = DEFAULT_OPTS): { state: ReassemblyState; expired: Reassembled[] } {
  const expired: Reassembled[] = [];
  let sets: Record<string, PartialSet> | null = null;
  let recent: Record<string, Tombstone> | null = null;
  for (const [key, set] of Object.entries(state.sets)) {
    if (now - set.firstAt < timeoutMs) continue;
    sets ??= { ...state.sets };
    recent ??= { ...state.recent };
    delete sets[key];
    recent[key] = tombstoneOf(set, now);
    expired.push(assemble(Object.values(set.parts), set.total, set.source, key, opts));
  }
  for (const [key, t] of Object.entries(recent ?? state.recent)) {
    if (now - t.at < timeoutMs) continue;
    recent ??= { ...state.recent };
    delete recent[key];
  }
  if (!sets && !recent) return { state, expired };
  expired.sort((a, b) => a.firstAt - b.firstAt);
  return { state: { sets: sets ?? state.sets, recent: recent ?? state.recent }, expired };
}

/** Rebuild state from persisted, not-yet-processed parts (e.g. after a restart). */
export function rebuildReassembly(parts: Iterable<MoPart>, opts: ReassemblyOptions = DEFAULT_OPTS): { state: ReassemblyState; complete: Reassembled[] } {
  let state = emptyReassembly();
  const complete: Reassembled[] = [];
  const sorted = [...parts].sort((a, b) => a.receivedAt - b.receivedAt);
  for (const p of sorted) {
    const r = addPart(state, p, opts);
    state = r.state;
    if (r.complete) complete.push(r.complete);
  }
  return { state, complete };
}

/** Number of incomplete sets held. */
export function pendingCount(state: ReassemblyState): number {
  return Object.keys(state.sets).length;
}

/**
 * Assemble text from the parts present. Runs of consecutive seq numbers with the same data coding
 * are concatenated as octets and decoded once; runs are joined as strings, with `gapMarker` where
 * parts are missing.
 */
export function assemble(parts: MoPart[], total: number, source: string, key: string, opts: ReassemblyOptions = DEFAULT_OPTS): Reassembled {
  const seqOf = (p: MoPart) => p.concat?.seq ?? 1;
  const sorted = [...parts].sort((a, b) => seqOf(a) - seqOf(b));
  const present = new Set(sorted.map(seqOf));
  const missing: number[] = [];
  for (let s = 1; s <= total; s++) if (!present.has(s)) missing.push(s);

  const warnings: string[] = [];
  let text = '';
  let run: MoPart[] = [];
  const flush = () => {
    if (!run.length) return;
    const r = decodeShortMessage(Buffer.concat(run.map((p) => p.body)), run[0].dataCoding, opts);
    text += r.text;
    for (const w of r.warnings) if (!warnings.includes(w)) warnings.push(w);
    run = [];
  };
  const bySeq = new Map(sorted.map((p) => [seqOf(p), p] as const));
  let inGap = false;
  for (let seq = 1; seq <= total; seq++) {
    const p = bySeq.get(seq);
    if (!p) {
      flush();
      if (!inGap) text += opts.gapMarker ?? GAP_MARKER;
      inGap = true;
      continue;
    }
    inGap = false;
    if (run.length) {
      const prev = run[run.length - 1];
      if (p.dataCoding !== prev.dataCoding || !canJoinOctets(prev, opts)) flush();
    }
    run.push(p);
  }
  flush();
  if (missing.length) warnings.push(`incomplete message: part(s) ${missing.join(', ')} of ${total} missing`);
  return {
    key,
    source,
    text,
    parts: sorted,
    missing,
    complete: missing.length === 0,
    warnings,
    firstAt: sorted.reduce((m, p) => Math.min(m, p.receivedAt), Number.POSITIVE_INFINITY),
  };
}

/** May the octets of the part after `prev` be appended to `prev`'s before decoding? */
function canJoinOctets(prev: MoPart, opts: DecodeOptions): boolean {
  const a = effectiveAlphabet(prev.dataCoding, opts);
  if (a === 'ucs2') return prev.body.length % 2 === 0; // an odd part would misalign the rest
  if (a === 'gsm7') return !opts.gsm7Packed; // packed parts carry their own fill bits
  return true;
}

function fingerprint(p: MoPart): string {
  return `${p.dataCoding}:${p.body.toString('hex')}`;
}

function tombstoneOf(set: PartialSet, at: number): Tombstone {
  const seen: Record<number, string> = {};
  for (const [seq, p] of Object.entries(set.parts)) seen[Number(seq)] = fingerprint(p);
  return { at, seen };
}
