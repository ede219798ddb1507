/** Department onboarding: create a department and (re)issue its API key. The key is shown once; only its hash is kept. */
import type { DataStore } from './store/ports.js';
import type { Department } from './domain/types.js';
import { newApiKey } from './http/api/api-keys.js';
import { canonicalPhone } from './domain/phone.js';

export async function addDepartment(store: Pick<DataStore, 'departments'>, code: string, name: string, contactPhone: string | null = null): Promise<{ department: Department; apiKey: string }> {
  if (!/^[A-Za-z0-9_-]{2,32}$/.test(code)) throw new Error(`department code must be 2–32 letters, digits, _ or - (got "${code}")`);
  if (!name.trim()) throw new Error('department name is empty');
  if (await store.departments.byCode(code)) throw new Error(`department ${code} already exists`);
  const k = newApiKey();
  const department = await store.departments.insert(code, name.trim(), contactPhone ? canonicalPhone(contactPhone) : null, k.hash, k.hint, new Date().toISOString());
  return { department, apiKey: k.key };
}

export async function rotateDepartmentKey(store: Pick<DataStore, 'departments'>, code: string): Promise<string> {
  const d = await store.departments.byCode(code);
  if (!d) throw new Error(`no department ${code}`);
  const k = newApiKey();
  await store.departments.setApiKey(d.id, k.hash, k.hint);
  return k.key;
}
