/**
 * The data contract: clickstream events and the reference rows (customers, products).
 *
 * These zod schemas describe a *valid* record. The generator deliberately emits records that
 * break them (see `MessKind`), and Silver is what enforces them in SQL; the TypeScript side uses
 * the inferred types everywhere a record is built or read.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1 as const;

export const EVENT_TYPES = ['page_view', 'add_to_cart', 'remove_from_cart', 'purchase'] as const;
export const DEVICE_TYPES = ['desktop', 'mobile', 'tablet'] as const;
export const TRAFFIC_SOURCES = [
  'organic',
  'paid_search',
  'social',
  'email',
  'direct',
  'referral',
] as const;
export const PAYMENT_METHODS = [
  'credit_card',
  'debit_card',
  'paypal',
  'apple_pay',
  'google_pay',
  'bank_transfer',
] as const;
export const LOYALTY_TIERS = ['bronze', 'silver', 'gold', 'platinum'] as const;

/** ISO-8601 date-time with an explicit offset (`Z` or `±hh:mm`), optional fractional seconds. */
export const ISO_TIMESTAMP_WITH_OFFSET =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const isoTimestamp = z.string().regex(ISO_TIMESTAMP_WITH_OFFSET, 'ISO-8601 timestamp with offset');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD date');
const countryCode = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code');

export const ClickstreamEventSchema = z
  .object({
    event_id: z.string().min(1),
    schema_version: z.literal(SCHEMA_VERSION),
    event_type: z.enum(EVENT_TYPES),
    event_timestamp: isoTimestamp,
    user_id: z.string().min(1),
    session_id: z.string().min(1),
    product_id: z.string().min(1),
    product_name: z.string().min(1),
    product_category: z.string().min(1),
    product_price: z.number().positive(),
    quantity: z.number().int().positive().nullable(),
    order_id: z.string().min(1).nullable(),
    device_type: z.enum(DEVICE_TYPES),
    country: countryCode,
    traffic_source: z.enum(TRAFFIC_SOURCES),
    campaign_id: z.string().min(1).nullable(),
    payment_method: z.enum(PAYMENT_METHODS).nullable(),
  })
  .superRefine((e, ctx) => {
    if (e.event_type === 'page_view' && e.quantity !== null) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'null on page_view' });
    }
    if (e.event_type !== 'page_view' && e.quantity === null) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'required unless page_view' });
    }
    const isPurchase = e.event_type === 'purchase';
    if (isPurchase !== (e.order_id !== null)) {
      ctx.addIssue({ code: 'custom', path: ['order_id'], message: 'set on purchase only' });
    }
    if (isPurchase !== (e.payment_method !== null)) {
      ctx.addIssue({ code: 'custom', path: ['payment_method'], message: 'set on purchase only' });
    }
  });
export type ClickstreamEvent = z.infer<typeof ClickstreamEventSchema>;
export type EventType = (typeof EVENT_TYPES)[number];

/** Fields every event must carry (Silver's `missing_field` check uses the same list). */
export const REQUIRED_EVENT_FIELDS = [
  'event_id',
  'schema_version',
  'event_type',
  'event_timestamp',
  'user_id',
  'session_id',
  'product_id',
] as const;

/** Customers arrive as CSV exports from the CRM, one file per snapshot date. */
export const CustomerSchema = z.object({
  customer_id: z.string().min(1),
  first_name: z.string().min(1),
  last_name: z.string().min(1),
  email: z.email(),
  country: countryCode,
  signup_date: isoDate,
  loyalty_tier: z.enum(LOYALTY_TIERS),
  updated_at: isoTimestamp,
});
export type Customer = z.infer<typeof CustomerSchema>;
/** Column order of the customers CSV header. */
export const CUSTOMER_COLUMNS = [
  'customer_id',
  'first_name',
  'last_name',
  'email',
  'country',
  'signup_date',
  'loyalty_tier',
  'updated_at',
] as const satisfies readonly (keyof Customer)[];

/** Products arrive as JSON lines exports from the ERP, one file per snapshot date. */
export const ProductSchema = z.object({
  product_id: z.string().min(1),
  product_name: z.string().min(1),
  category: z.string().min(1),
  price: z.number().positive(),
  updated_at: isoTimestamp,
});
export type Product = z.infer<typeof ProductSchema>;
