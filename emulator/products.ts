// Which product modules the emulator serves. Keep PRODUCT_MODULES a plain array: each product
// module adds one import and one entry.
import { cs } from './cs';
import { dlc } from './dlc';
import { ecs } from './ecs';
import { fc } from './fc';
import { ram } from './ram-roles';
import { sts } from './sts';
import type { ProductModule, RawRoute } from './types';
import { vpc } from './vpc';

// cs brings the emulated Kubernetes API along as its raw route.
export const PRODUCT_MODULES: ProductModule[] = [ecs, vpc, sts, fc, cs, dlc, ram];

// Modules built in parallel elsewhere. Loaded when their file exists, so the emulator runs before
// they land; once one is imported above as well, the duplicate is ignored.
const OPTIONAL_MODULE_FILES = ['./fc', './cs', './kubernetes', './dlc'];

export interface ProductSet {
  modules: ProductModule[];
  rawRoutes: RawRoute[];
}

export function loadProducts(): ProductSet {
  const modules = [...PRODUCT_MODULES];
  const rawRoutes: RawRoute[] = [];
  for (const file of OPTIONAL_MODULE_FILES) {
    let exported: Record<string, unknown>;
    try {
      exported = require(file);
    } catch (err: any) {
      if (err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${file}'`)) continue;
      throw err;
    }
    for (const value of Object.values(exported)) {
      if (isProductModule(value) && !modules.includes(value)) modules.push(value);
      else if (isRawRoute(value)) rawRoutes.push(value);
    }
  }
  for (const m of modules) {
    for (const r of m.rawRoutes ?? []) if (!rawRoutes.includes(r)) rawRoutes.push(r);
  }
  return { modules, rawRoutes };
}

function isProductModule(v: unknown): v is ProductModule {
  return typeof v === 'object' && v !== null && 'product' in v && 'version' in v && 'actions' in v;
}

function isRawRoute(v: unknown): v is RawRoute {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as RawRoute).prefix === 'string' &&
    typeof (v as RawRoute).handle === 'function'
  );
}
