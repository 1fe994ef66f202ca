/**
 * Static vocabularies of the simulated shop: names, countries, categories, campaigns, weights.
 * Plain ASCII without quotes, commas or backslashes, so values are safe in CSV and JSON as-is.
 */
import type { DEVICE_TYPES, LOYALTY_TIERS, PAYMENT_METHODS, TRAFFIC_SOURCES } from './schema.ts';

// prettier-ignore
export const FIRST_NAMES = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William',
  'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah',
  'Charles', 'Karen', 'Daniel', 'Nancy', 'Matthew', 'Lisa', 'Anthony', 'Betty', 'Mark', 'Sandra',
  'Paul', 'Ashley', 'Steven', 'Emily', 'Andrew', 'Donna', 'Joshua', 'Michelle', 'Lukas', 'Emma',
  'Leon', 'Mia', 'Finn', 'Hannah', 'Lucas', 'Chloe', 'Hugo', 'Lea', 'Mateo', 'Lucia', 'Marco',
  'Giulia', 'Sven', 'Astrid', 'Jakub', 'Zofia', 'Rafael', 'Ana', 'Diego', 'Sofia', 'Kenji',
  'Yuki', 'Arjun', 'Priya', 'Oliver', 'Amelia', 'Noah', 'Olivia', 'Liam', 'Ava', 'Ethan', 'Isla',
] as const;

// prettier-ignore
export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
  'Martinez', 'Hernandez', 'Lopez', 'Wilson', 'Anderson', 'Taylor', 'Thomas', 'Moore', 'Jackson',
  'Martin', 'Lee', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Young', 'Allen',
  'Mueller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Dubois',
  'Laurent', 'Bernard', 'Moreau', 'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Jansen',
  'de Vries', 'Bakker', 'Visser', 'Nilsson', 'Lindqvist', 'Kowalski', 'Nowak', 'Silva', 'Santos',
  'Oliveira', 'Tanaka', 'Suzuki', 'Sato', 'Sharma', 'Patel', 'Singh', 'Evans', 'Hughes', 'Wood',
] as const;

// prettier-ignore
export const EMAIL_DOMAINS = [
  'gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'proton.me', 'gmx.de',
  'web.de', 'orange.fr', 'libero.it', 'example.com', 'mail.com',
] as const;

/** Country, share of customers, fixed UTC offset in minutes (no DST: a simulation). */
// prettier-ignore
export const COUNTRIES: readonly (readonly [code: string, weight: number, offsetMin: number])[] = [
  ['US', 30, -300], ['GB', 10, 0], ['DE', 12, 60], ['FR', 8, 60], ['ES', 5, 60], ['IT', 5, 60],
  ['NL', 4, 60], ['SE', 2, 60], ['PL', 3, 60], ['CA', 5, -300], ['BR', 4, -180], ['MX', 3, -360],
  ['AU', 3, 600], ['JP', 3, 540], ['IN', 4, 330],
];

// prettier-ignore
export const LOYALTY_WEIGHTS: readonly (readonly [(typeof LOYALTY_TIERS)[number], number])[] = [
  ['bronze', 55], ['silver', 25], ['gold', 15], ['platinum', 5],
];

export const DEVICE_WEIGHTS: readonly (readonly [(typeof DEVICE_TYPES)[number], number])[] = [
  ['desktop', 42],
  ['mobile', 48],
  ['tablet', 10],
];

// prettier-ignore
export const TRAFFIC_WEIGHTS: readonly (readonly [(typeof TRAFFIC_SOURCES)[number], number])[] = [
  ['organic', 30], ['paid_search', 18], ['social', 14], ['email', 10], ['direct', 22],
  ['referral', 6],
];

// prettier-ignore
export const PAYMENT_WEIGHTS: readonly (readonly [(typeof PAYMENT_METHODS)[number], number])[] = [
  ['credit_card', 40], ['debit_card', 15], ['paypal', 22], ['apple_pay', 10], ['google_pay', 7],
  ['bank_transfer', 6],
];

/** Campaigns by the traffic source that carries them; other sources have no campaign. */
export const CAMPAIGNS: Readonly<Record<string, readonly string[]>> = {
  paid_search: ['cmp-ps-brand', 'cmp-ps-generic', 'cmp-ps-shopping', 'cmp-ps-competitor'],
  social: ['cmp-so-instagram', 'cmp-so-tiktok', 'cmp-so-facebook'],
  email: ['cmp-em-newsletter', 'cmp-em-winback', 'cmp-em-cart-reminder', 'cmp-em-vip'],
};

export interface CategorySpec {
  readonly name: string;
  /** Share of browsing traffic. */
  readonly weight: number;
  /** Price range (log-uniform), in the shop currency. */
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly nouns: readonly string[];
}

// prettier-ignore
export const CATEGORIES: readonly CategorySpec[] = [
  { name: 'Electronics', weight: 16, minPrice: 9, maxPrice: 900, nouns: ['Headphones', 'Speaker', 'Smartwatch', 'Earbuds', 'Charger', 'Camera', 'Tablet', 'Power Bank'] },
  { name: 'Computers', weight: 9, minPrice: 15, maxPrice: 2200, nouns: ['Laptop', 'Monitor', 'Keyboard', 'Mouse', 'SSD', 'Webcam', 'Router', 'Docking Station'] },
  { name: 'Home & Kitchen', weight: 13, minPrice: 6, maxPrice: 450, nouns: ['Blender', 'Kettle', 'Pan Set', 'Knife Block', 'Coffee Maker', 'Toaster', 'Air Fryer', 'Mug Set'] },
  { name: 'Books', weight: 8, minPrice: 4, maxPrice: 60, nouns: ['Novel', 'Cookbook', 'Atlas', 'Biography', 'Thriller', 'Poetry Collection', 'Travel Guide'] },
  { name: 'Clothing', weight: 14, minPrice: 8, maxPrice: 250, nouns: ['T-Shirt', 'Hoodie', 'Jeans', 'Jacket', 'Dress', 'Sweater', 'Scarf', 'Shorts'] },
  { name: 'Shoes', weight: 7, minPrice: 20, maxPrice: 260, nouns: ['Sneakers', 'Boots', 'Sandals', 'Running Shoes', 'Loafers', 'Slippers'] },
  { name: 'Beauty', weight: 8, minPrice: 4, maxPrice: 150, nouns: ['Serum', 'Moisturizer', 'Lipstick', 'Shampoo', 'Perfume', 'Sunscreen', 'Face Mask'] },
  { name: 'Sports & Outdoors', weight: 8, minPrice: 8, maxPrice: 700, nouns: ['Yoga Mat', 'Tent', 'Backpack', 'Dumbbells', 'Bike Helmet', 'Water Bottle', 'Sleeping Bag'] },
  { name: 'Toys & Games', weight: 6, minPrice: 5, maxPrice: 180, nouns: ['Puzzle', 'Board Game', 'Building Set', 'Plush Toy', 'RC Car', 'Card Game'] },
  { name: 'Grocery', weight: 5, minPrice: 2, maxPrice: 45, nouns: ['Coffee Beans', 'Green Tea', 'Olive Oil', 'Dark Chocolate', 'Granola', 'Pasta'] },
  { name: 'Garden', weight: 3, minPrice: 5, maxPrice: 400, nouns: ['Hose', 'Planter', 'Pruning Shears', 'Lawn Mower', 'Seed Kit', 'Garden Lights'] },
  { name: 'Pet Supplies', weight: 3, minPrice: 3, maxPrice: 160, nouns: ['Dog Bed', 'Cat Tree', 'Leash', 'Pet Food', 'Aquarium', 'Chew Toy'] },
];

// prettier-ignore
export const BRANDS = [
  'Acme', 'Nordix', 'Voltra', 'Lumen', 'Orbit', 'Kestrel', 'Pinewood', 'Solace', 'Vireo', 'Tandem',
  'Helio', 'Brightline', 'Cobalt', 'Ember', 'Quartz', 'Riverstone', 'Sable', 'Terra', 'Umbra',
  'Zephyr',
] as const;

// prettier-ignore
export const ADJECTIVES = [
  'Classic', 'Pro', 'Compact', 'Wireless', 'Premium', 'Eco', 'Ultra', 'Smart', 'Deluxe', 'Lite',
  'Essential', 'Travel', 'Vintage', 'Sport', 'Max', 'Mini',
] as const;

/** Relative traffic by UTC hour of day: quiet at night, peak in the (European) evening. */
export const HOURLY_TRAFFIC = [
  0.35, 0.26, 0.19, 0.15, 0.15, 0.2, 0.3, 0.45, 0.6, 0.7, 0.76, 0.8, 0.86, 0.86, 0.82, 0.82, 0.88,
  0.98, 1.12, 1.26, 1.3, 1.2, 0.92, 0.6,
] as const;

/** Quantity on add_to_cart (1-3, mostly 1). */
export const QUANTITY_WEIGHTS: readonly (readonly [number, number])[] = [
  [1, 72],
  [2, 20],
  [3, 8],
];

export const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four'] as const;
