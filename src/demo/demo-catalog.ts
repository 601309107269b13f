/**
 * The fixed vocabulary the demo generator draws from: plans and their prices, industries,
 * company sizes, names. Changing anything here changes every generated data set.
 */

export type DemoPlanCode =
  'free' | 'trial' | 'starter' | 'starter_annual' | 'growth' | 'growth_annual' | 'enterprise';

export type DemoPlan = {
  code: DemoPlanCode;
  name: string;
  interval: 'MONTH' | 'YEAR';
  /** Price per seat per interval, in cents. */
  priceMinor: number;
  isPaid: boolean;
};

/** Paid plans are priced per seat; an annual price is about ten months of the monthly one. */
export const DEMO_PLANS: readonly DemoPlan[] = [
  { code: 'free', name: 'Free', interval: 'MONTH', priceMinor: 0, isPaid: false },
  { code: 'trial', name: 'Trial', interval: 'MONTH', priceMinor: 0, isPaid: false },
  { code: 'starter', name: 'Starter', interval: 'MONTH', priceMinor: 4_900, isPaid: true },
  {
    code: 'starter_annual',
    name: 'Starter (annual)',
    interval: 'YEAR',
    priceMinor: 49_000,
    isPaid: true,
  },
  { code: 'growth', name: 'Growth', interval: 'MONTH', priceMinor: 19_900, isPaid: true },
  {
    code: 'growth_annual',
    name: 'Growth (annual)',
    interval: 'YEAR',
    priceMinor: 199_000,
    isPaid: true,
  },
  { code: 'enterprise', name: 'Enterprise', interval: 'YEAR', priceMinor: 238_800, isPaid: true },
];

export const PLAN_BY_CODE = new Map(DEMO_PLANS.map((plan) => [plan.code, plan]));

/** The monthly amount of `seats` seats on a plan: an annual price counts one twelfth. */
export function monthlyAmountMinor(code: DemoPlanCode, seats: number): number {
  const plan = PLAN_BY_CODE.get(code)!;
  if (!plan.isPaid) return 0;
  const perInterval = plan.priceMinor * seats;
  return plan.interval === 'YEAR' ? Math.round(perInterval / 12) : perInterval;
}

export const INDUSTRIES = [
  'Software',
  'Financial Services',
  'Healthcare',
  'Retail',
  'Manufacturing',
  'Education',
  'Media',
  'Logistics',
  'Real Estate',
  'Professional Services',
] as const;

/** Words that make a company sound like it belongs to its industry. */
export const INDUSTRY_SUFFIXES: Record<(typeof INDUSTRIES)[number], readonly string[]> = {
  Software: ['Labs', 'Software', 'Systems', 'Cloud', 'Data', 'AI'],
  'Financial Services': ['Capital', 'Financial', 'Payments', 'Partners', 'Ledger'],
  Healthcare: ['Health', 'Care', 'Clinics', 'Medical', 'Bio'],
  Retail: ['Goods', 'Market', 'Outfitters', 'Supply', 'Stores'],
  Manufacturing: ['Industries', 'Works', 'Manufacturing', 'Components', 'Fabrication'],
  Education: ['Learning', 'Academy', 'Education', 'Tutors', 'Campus'],
  Media: ['Media', 'Studios', 'Publishing', 'Broadcast', 'Creative'],
  Logistics: ['Logistics', 'Freight', 'Shipping', 'Transport', 'Fleet'],
  'Real Estate': ['Properties', 'Realty', 'Estates', 'Homes', 'Spaces'],
  'Professional Services': ['Consulting', 'Advisors', 'Group', 'Associates', 'Legal'],
};

// prettier-ignore
export const COMPANY_WORDS = [
  'Acorn', 'Aurora', 'Beacon', 'Birch', 'Blue Harbor', 'Boulder', 'Brightline', 'Cascade',
  'Cedar', 'Cobalt', 'Compass', 'Copper', 'Crescent', 'Driftwood', 'Ember', 'Evergreen',
  'Falcon', 'Fjord', 'Foxglove', 'Granite', 'Greenfield', 'Halcyon', 'Harbor', 'Helix',
  'Horizon', 'Ironwood', 'Juniper', 'Keystone', 'Lakeshore', 'Lantern', 'Linden', 'Maple',
  'Meridian', 'Mosaic', 'Northwind', 'Oakridge', 'Orbit', 'Pinnacle', 'Prairie', 'Quartz',
  'Redwood', 'Ridgeline', 'Riverstone', 'Saffron', 'Sagebrush', 'Sequoia', 'Silverline',
  'Skyward', 'Summit', 'Tidewater', 'Timber', 'Trailhead', 'Vantage', 'Verdant', 'Willow',
  'Windward', 'Zenith', 'Alder', 'Basalt', 'Clearwater',
] as const;

/** Company size bands: employee range, how often the band occurs, and how many users sign up. */
export const SIZE_BANDS = [
  { employees: [3, 10], weight: 25, users: [2, 5] },
  { employees: [11, 50], weight: 30, users: [3, 10] },
  { employees: [51, 200], weight: 20, users: [5, 15] },
  { employees: [201, 1000], weight: 13, users: [8, 25] },
  { employees: [1001, 5000], weight: 8, users: [12, 35] },
  { employees: [5001, 20000], weight: 4, users: [20, 45] },
] as const;

export const COUNTRIES = [
  { country: 'US', region: 'North America', weight: 45 },
  { country: 'CA', region: 'North America', weight: 6 },
  { country: 'GB', region: 'Europe', weight: 12 },
  { country: 'DE', region: 'Europe', weight: 9 },
  { country: 'FR', region: 'Europe', weight: 6 },
  { country: 'NL', region: 'Europe', weight: 4 },
  { country: 'AU', region: 'Asia Pacific', weight: 6 },
  { country: 'JP', region: 'Asia Pacific', weight: 4 },
  { country: 'IN', region: 'Asia Pacific', weight: 5 },
  { country: 'BR', region: 'Latin America', weight: 3 },
] as const;

// prettier-ignore
export const FIRST_NAMES = [
  'Aaliyah', 'Adrian', 'Aisha', 'Alejandro', 'Alice', 'Amara', 'Andre', 'Anna', 'Arjun', 'Ava',
  'Benjamin', 'Bianca', 'Carlos', 'Chen', 'Chloe', 'Daniel', 'Diego', 'Elena', 'Elijah', 'Emma',
  'Fatima', 'Felix', 'Gabriel', 'Grace', 'Hannah', 'Hiro', 'Isabel', 'Ivan', 'Jamal', 'James',
  'Jin', 'Julia', 'Kai', 'Laura', 'Leah', 'Liam', 'Lucas', 'Maya', 'Mei', 'Mohammed', 'Nadia',
  'Noah', 'Olivia', 'Omar', 'Priya', 'Rafael', 'Rosa', 'Samuel', 'Sara', 'Sofia', 'Tariq',
  'Thomas', 'Valentina', 'Wei', 'Yara', 'Yusuf', 'Zoe', 'Nikolai', 'Ingrid', 'Kwame',
] as const;

// prettier-ignore
export const LAST_NAMES = [
  'Adams', 'Ahmed', 'Alvarez', 'Anderson', 'Bauer', 'Becker', 'Brown', 'Campbell', 'Chen',
  'Costa', 'Davies', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Gupta', 'Hansen', 'Hernandez',
  'Ibrahim', 'Ito', 'Jensen', 'Johnson', 'Kim', 'Kowalski', 'Kumar', 'Larsen', 'Lee', 'Lopez',
  'Martin', 'Mensah', 'Meyer', 'Moreau', 'Murphy', 'Nakamura', 'Nguyen', 'Novak', 'Okafor',
  'Olsen', 'Patel', 'Petrov', 'Reyes', 'Rossi', 'Santos', 'Schmidt', 'Silva', 'Singh', 'Smith',
  'Sato', 'Tanaka', 'Taylor', 'Thompson', 'Walker', 'Wang', 'Weber', 'Williams', 'Wilson',
  'Yamamoto', 'Young', 'Zhang', 'Zimmermann',
] as const;

// prettier-ignore
export const JOB_TITLES = [
  'Account Executive', 'Sales Manager', 'VP of Sales', 'Marketing Manager', 'Growth Lead',
  'Customer Success Manager', 'RevOps Analyst', 'Data Analyst', 'Software Engineer',
  'Product Manager', 'Head of Operations', 'Finance Manager', 'CEO', 'CTO', 'Support Specialist',
] as const;

// prettier-ignore
export const TIMEZONES = [
  'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London',
  'Europe/Berlin', 'Europe/Paris', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney',
] as const;

// prettier-ignore
export const TEAM_NAMES = [
  'Sales', 'Marketing', 'Customer Success', 'Engineering', 'Finance', 'Operations', 'RevOps',
  'Support', 'Product', 'Leadership',
] as const;
