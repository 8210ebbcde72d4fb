/**
 * A lib's configuration fragment: the zod shape of its keys (each with its default) and the checks
 * that relate its keys to each other. src/config/config.schema.ts merges the fragments with the
 * app's own keys into the one schema and runs every fragment's checks on the parsed result, so a
 * lib deleted from libs/ takes its keys, defaults and rules with it.
 */
import { z } from 'zod';

/** What a fragment's cross-key check sees beside its own keys. */
export interface CheckContext {
  /** NODE_ENV=production: checks that refuse local stand-ins (secrets, anchors) apply. */
  production: boolean;
}

/** One refused value: the key it is reported on, and why. */
export interface ConfigIssue {
  key: string;
  message: string;
}

/**
 * The parsed keys of a shape. An empty shape (a lib whose patterns were all removed, e.g. the
 * resilience lib's once breakers, rate limiting and shedding are gone) takes any object: zod's
 * output for it is `Record<string, never>`, which the whole configuration is not.
 */
type ShapeOutput<S extends z.ZodRawShape> = [keyof S] extends [never]
  ? object
  : z.output<z.ZodObject<S>>;

export interface ConfigFragment<S extends z.ZodRawShape> {
  shape: S;
  /**
   * Cross-key rules within the fragment, run once every key has parsed: one entry per rule, the
   * issue when it is broken, else `false`. (A method, not a property: the composed schema calls
   * every fragment's check with the whole configuration.)
   */
  check?(env: ShapeOutput<S>, context: CheckContext): (ConfigIssue | false)[];
}

/** Declares a fragment; the identity, for the types. */
export function configFragment<S extends z.ZodRawShape>(
  fragment: ConfigFragment<S>,
): ConfigFragment<S> {
  return fragment;
}

/** `A | B` as `A & B`: the shape holding every fragment's keys. */
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (all: infer I) => void
  ? I
  : never;

/** Every fragment's keys in one zod shape, typed key by key, for the composed schema. */
export function mergedShape<const F extends readonly ConfigFragment<z.ZodRawShape>[]>(
  fragments: F,
): Intersection<F[number]['shape']> {
  return Object.assign({}, ...fragments.map((f) => f.shape)) as Intersection<F[number]['shape']>;
}

/** The parsed keys of a fragment: what its `…OptionsFrom(env)` takes. */
export type FragmentEnv<F> = F extends ConfigFragment<infer S> ? z.output<z.ZodObject<S>> : never;
