/** Checks of a 办事指南 item as a department (API) or an admin (panel) sends it (pure). */
import { stripBidi, textProblem } from '../domain/text-safety.js';
import type { GuideInput } from '../store/repos/web.js';

export const GUIDE_LIMITS = { itemCode: 64, name: 200, basis: 4000, procedure: 4000, fees: 2000, timeLimit: 200, complaintChannel: 1000 } as const;

export function checkGuideInput(raw: Partial<Record<keyof GuideInput, unknown>>): { ok: true; value: GuideInput } | { ok: false; field: string; message: string } {
  const out: Record<string, string> = {};
  for (const k of Object.keys(GUIDE_LIMITS) as Array<keyof GuideInput>) {
    const v = raw[k];
    if (v !== undefined && typeof v !== 'string') return { ok: false, field: k, message: `${k}: 应为文本 (must be a string)` };
    const s = stripBidi(v ?? '').trim();
    if (Array.from(s).length > GUIDE_LIMITS[k]) return { ok: false, field: k, message: `${k}: 最多 ${GUIDE_LIMITS[k]} 字 (too long)` };
    const bad = s ? textProblem(s) : null;
    if (bad) return { ok: false, field: k, message: `${k}: ${bad}` };
    out[k] = s;
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(out.itemCode)) return { ok: false, field: 'itemCode', message: 'itemCode: 事项编码只能含字母、数字、_ . - (letters, digits, _ . -)' };
  if (!out.name) return { ok: false, field: 'name', message: 'name: 事项名称不能为空 (required)' };
  return { ok: true, value: out as unknown as GuideInput };
}
