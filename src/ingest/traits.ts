import type { EntityChange } from './entity-updates';

const ROLE_SYNONYMS: Record<string, string> = {
  ADMINISTRATOR: 'ADMINISTRATOR',
  ADMIN: 'ADMINISTRATOR',
  OWNER: 'ADMINISTRATOR',
  MEMBER: 'MEMBER',
  USER: 'MEMBER',
  BILLING: 'BILLING',
  GUEST: 'GUEST',
};

/** A membership role code from a `role` trait ("admin", "Administrator", …), or null. */
export function roleFromTrait(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return ROLE_SYNONYMS[value.trim().toUpperCase()] ?? null;
}

/** Identify traits: email and name go to columns, everything else stays as JSON traits. */
export function userChangeFromTraits(traits: Record<string, unknown>): EntityChange {
  const { email, name, ...rest } = traits;
  const columns: EntityChange['columns'] = {};
  if (typeof email === 'string') columns.email = email.trim();
  const fullName =
    typeof name === 'string'
      ? name
      : [rest.firstName, rest.lastName].filter((p) => typeof p === 'string').join(' ');
  if (fullName) columns.name = fullName.trim();
  const kept = { ...rest };
  if (typeof name !== 'string' && name !== undefined) kept.name = name;
  if (typeof email !== 'string' && email !== undefined) kept.email = email;
  return { columns, traits: kept };
}

/** Group traits: name, domain/website, industry, employees go to columns, the rest to traits. */
export function accountChangeFromTraits(traits: Record<string, unknown>): EntityChange {
  const { name, domain, website, industry, employees, ...rest } = traits;
  const columns: EntityChange['columns'] = {};
  const kept: Record<string, unknown> = { ...rest };
  if (typeof name === 'string') columns.name = name.trim();
  const host = hostOf(domain) ?? hostOf(website);
  if (host) columns.domain = host;
  if (website !== undefined) kept.website = website;
  if (typeof industry === 'string') columns.industry = industry.trim();
  const employeeCount = Number(employees);
  const fitsColumn = employeeCount >= 0 && employeeCount <= 2_147_483_647;
  if (employees != null && employees !== '' && Number.isInteger(employeeCount) && fitsColumn)
    columns.employee_count = employeeCount;
  else if (employees !== undefined) kept.employees = employees;
  return { columns, traits: kept };
}

/** "https://www.Acme.com/pricing" → "www.acme.com"; null when it is not a host name. */
function hostOf(value: unknown): string | null {
  if (typeof value !== 'string' || !value.trim()) return null;
  const text = value.trim();
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    return /^[a-z0-9.-]+\.[a-z]{2,}$/.test(url.hostname) ? url.hostname : null;
  } catch {
    return null;
  }
}
