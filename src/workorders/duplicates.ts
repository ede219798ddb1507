/**
 * Suggested duplicates (合并建议), pure: among recent open orders, the same caller's, or the same place's
 * with similar words, or any with very similar words. Similarity is the Jaccard index of character
 * bigrams (works for Chinese without word segmentation), over text, transcript and summary.
 */
import type { WorkOrder } from './model.js';

export interface DuplicateSuggestion { id: number; ref: string; score: number; reasons: string[] }

const norm = (s: string) => s.replace(/[\s\p{P}\p{S}]/gu, '').toLowerCase();

export function bigrams(s: string): Set<string> {
  const t = norm(s);
  const out = new Set<string>();
  for (let i = 0; i + 1 < t.length; i++) out.add(t.slice(i, i + 2));
  if (t.length === 1) out.add(t);
  return out;
}

export function similarity(a: string, b: string): number {
  const x = bigrams(a), y = bigrams(b);
  if (!x.size || !y.size) return 0;
  let both = 0;
  for (const g of x) if (y.has(g)) both++;
  return both / (x.size + y.size - both);
}

const words = (o: Pick<WorkOrder, 'text' | 'transcript' | 'summary'>) => [o.summary, o.transcript, o.text].filter(Boolean).join(' ');
const place = (s: string | null) => (s ? norm(s) : '');

/** Candidates already limited to the window (N days) and to open orders by the repository; best first. */
export function suggestDuplicates(order: WorkOrder, candidates: WorkOrder[], opts: { placeSimilarity?: number; textSimilarity?: number; limit?: number } = {}): DuplicateSuggestion[] {
  const placeMin = opts.placeSimilarity ?? 0.2, textMin = opts.textSimilarity ?? 0.5;
  const mine = words(order);
  const out: DuplicateSuggestion[] = [];
  for (const c of candidates) {
    if (c.id === order.id || c.status === 'merged' || c.status === 'closed') continue;
    const sim = similarity(mine, words(c));
    const reasons: string[] = [];
    let score = sim;
    if (order.phone && c.phone === order.phone) { reasons.push('同一来电号码'); score += 1; }
    const samePlace = place(order.address) !== '' && place(order.address) === place(c.address);
    if (samePlace && sim >= placeMin) { reasons.push('同一地点、内容相近'); score += 0.5; }
    else if (sim >= textMin) reasons.push('内容相近');
    if (reasons.length) out.push({ id: c.id, ref: c.ref, score: Math.round(score * 100) / 100, reasons });
  }
  return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, opts.limit ?? 5);
}
