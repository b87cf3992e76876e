// Which products may run the job (step 4 of a run). The tree only narrows: when more than one
// product remains, every one is quoted with real prices and the cheapest feasible wins (the skill's
// anti-bias rule — nobody is "obviously cheaper" from memory).
//
//   product named            → only that product (a lock: every fallback stays inside it)
//   Kubernetes named         → the products that are Kubernetes (ACK)
//   otherwise                → every product whose fit() takes the intent, by rank; today:
//     long-running service   → ECS, ACK          (FC and PAI-DLC run jobs, not services)
//     AI training            → PAI-DLC, FC (T4/A10, ≤ 24 h, within FC limits), ECS
//     containers (docker)    → ACK, ECS          (see note below)
//     otherwise              → ECS, + FC when it fits FC's limits
//
// Containers: the usual rule is "Kubernetes/containers → ACK". acp keeps ACK for both but also quotes
// ECS for a plain "run a docker container": nothing asks for orchestration, acp's docker template
// runs the image on one ECS instance, and a one-shot container should not be forced to pay a cluster
// fee and a 5–15 min cluster start. When the user says Kubernetes/k8s, ACK is the only candidate.
//
// Each rule lives with its product (planner/products/<product>.ts); this module only combines them.

import type { Intent, Product } from '../types';
import type { ProductCatalogue, ProductFacts } from './facts';
import { PRODUCT_FACTS } from './registry';

function kubernetesProducts(catalogue: ProductCatalogue): ProductFacts[] {
  return Object.values(catalogue).filter((facts) => facts.kubernetes);
}

/** The products to quote for this intent, best placed first. */
export function candidateProducts(intent: Intent, catalogue: ProductCatalogue = PRODUCT_FACTS): Product[] {
  if (intent.product) return [intent.product];
  if (intent.kubernetes) return kubernetesProducts(catalogue).map((facts) => facts.id);
  return Object.values(catalogue)
    .map((facts) => ({ id: facts.id, fit: facts.fit(intent) }))
    .flatMap(({ id, fit }) => (fit.feasible ? [{ id, rank: fit.rank }] : []))
    .sort((a, b) => a.rank - b.rank)
    .map(({ id }) => id);
}

/**
 * Why a product is not a candidate, for the "not feasible: why" rows of the comparison; undefined
 * when it is one.
 */
export function whyNot(
  product: Product,
  intent: Intent,
  catalogue: ProductCatalogue = PRODUCT_FACTS,
): string | undefined {
  if (candidateProducts(intent, catalogue).includes(product)) return undefined;
  if (intent.product) return `you asked for ${intent.product}; acp stays inside the product you name`;
  if (intent.kubernetes) {
    const names = kubernetesProducts(catalogue).map((facts) => facts.name);
    return `you asked for Kubernetes; only ${names.join(' or ')} runs it`;
  }
  const fit = catalogue[product].fit(intent);
  return fit.feasible ? 'not a candidate for this job' : fit.reason;
}

/** Every product with its place in the decision: the candidates, and why each other one is not. */
export function productDecisions(
  intent: Intent,
  catalogue: ProductCatalogue = PRODUCT_FACTS,
): { product: Product; candidate: boolean; reason?: string }[] {
  const candidates = candidateProducts(intent, catalogue);
  return Object.values(catalogue).map(({ id: product }) =>
    candidates.includes(product)
      ? { product, candidate: true }
      : { product, candidate: false, reason: whyNot(product, intent, catalogue) },
  );
}
