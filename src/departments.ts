/** Department onboarding: create a department and (re)issue its API key. The key is shown once; only its hash is kept. */
import type { Store } from './store/index.js';
import type { Department } from './domain/types.js';
import { newApiKey } from './http/api/api-keys.js';
import { canonicalPhone } from './domain/phone.js';

export function addDepartment(store: Store, code: string, name: string, contactPhone: string | null = null): { department: Department; apiKey: string } {
  if (!/^[A-Za-z0-9_-]{2,32}$/.test(code)) throw new Error(`department code must be 2–32 letters, digits, _ or - (got "${code}")`);
  if (!name.trim()) throw new Error('department name is empty');
  if (store.departments.byCode(code)) throw new Error(`department ${code} already exists`);
  const k = newApiKey();
  const department = store.departments.insert(code, name.trim(), contactPhone ? canonicalPhone(contactPhone) : null, k.hash, k.hint, new Date().toISOString());
  return { department, apiKey: k.key };
}

export function rotateDepartmentKey(store: Store, code: string): string {
  const d = store.departments.byCode(code);
  if (!d) throw new Error(`no department ${code}`);
  const k = newApiKey();
  store.departments.setApiKey(d.id, k.hash, k.hint);
  return k.key;
}
