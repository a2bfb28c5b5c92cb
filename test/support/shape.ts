/**
 * Shape checking for JSON objects returned by the Sandbank server.
 *
 * This module owns the answer to "does this JSON look like the Stripe object it
 * claims to be?". It judges a value against two references:
 *   1. the `stripe` npm package's TypeScript declarations (authoritative), read
 *      with the TypeScript compiler API from node_modules/stripe/cjs;
 *   2. optionally, the field names of the matching example object in Stripe's
 *      OpenAPI fixtures (../shared/stripe-openapi/fixtures3.json).
 *
 * One ts.Program is built lazily on first use and kept for the process; the
 * per-type analysis is memoised, and nested object types are only expanded when
 * a value actually reaches them, so self-referencing types never loop.
 */
import { AssertionError } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface ShapeProblem {
  path: string;
  problem: string;
}

// ---------------------------------------------------------------------------
// Locations: everything is resolved from the repo root so the helper works no
// matter which directory the test runner was started from.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STRIPE_CJS = join(REPO_ROOT, 'node_modules', 'stripe', 'cjs');
const STRIPE_RESOURCES = join(STRIPE_CJS, 'resources');
const FIXTURES_PATH = join(REPO_ROOT, '..', 'shared', 'stripe-openapi', 'fixtures3.json');
/** Shared/generic declarations (Address, Metadata, ApiList, ...) live outside resources/. */
const STRIPE_SHARED_FILES = ['shared.d.ts', 'lib.d.ts'].map((f) => join(STRIPE_CJS, f));

const ROOT_PATH_LABEL = '(root)';

// ---------------------------------------------------------------------------
// The compiler program and the index of exported type names.

interface StripeTypes {
  readonly checker: ts.TypeChecker;
  /** Qualified name ("Customer", "Issuing.Card", "V2.Core.Account") -> symbol. */
  readonly qualified: ReadonlyMap<string, ts.Symbol>;
  /** Bare name -> every qualified name that declares it, top-level first. */
  readonly bare: ReadonlyMap<string, readonly string[]>;
}

let stripeTypes: StripeTypes | undefined;

function listDeclarationFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listDeclarationFiles(full));
    else if (entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files.sort();
}

/** "resources/Issuing/Cards.d.ts" -> "Issuing." so nested names mirror Stripe.Issuing.Card. */
function namespacePrefixOf(file: string): string {
  if (!file.startsWith(STRIPE_RESOURCES + sep)) return '';
  const dirs = relative(STRIPE_RESOURCES, file).split(sep).slice(0, -1);
  return dirs.map((d) => `${d}.`).join('');
}

function isNamedType(symbol: ts.Symbol): boolean {
  return (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) !== 0;
}

function loadStripeTypes(): StripeTypes {
  if (stripeTypes) return stripeTypes;
  const files = [...listDeclarationFiles(STRIPE_RESOURCES), ...STRIPE_SHARED_FILES];
  // strict is essential: without strictNullChecks `string | null` collapses to `string`.
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const qualified = new Map<string, ts.Symbol>();
  const bare = new Map<string, string[]>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) continue;
    const prefix = namespacePrefixOf(file);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const name = `${prefix}${exported.name}`;
      if (!isNamedType(symbol) || qualified.has(name)) continue;
      qualified.set(name, symbol);
      const names = bare.get(exported.name) ?? [];
      // Top-level (v1 core) names win over nested ones: "Account" is v1's Account.
      if (prefix === '') names.unshift(name);
      else names.push(name);
      bare.set(exported.name, names);
    }
  }
  stripeTypes = { checker, qualified, bare };
  return stripeTypes;
}

/** Walks `Customer.InvoiceSettings`-style names through merged namespace declarations. */
function resolveNamespaceMember(types: StripeTypes, typeName: string): ts.Symbol | undefined {
  const [head, ...rest] = typeName.split('.');
  if (head === undefined) return undefined;
  let symbol = resolveSymbol(types, head);
  for (const segment of rest) {
    symbol = symbol?.exports?.get(ts.escapeLeadingUnderscores(segment));
  }
  return symbol && isNamedType(symbol) ? symbol : undefined;
}

function resolveSymbol(types: StripeTypes, typeName: string): ts.Symbol | undefined {
  const direct = types.qualified.get(typeName);
  if (direct) return direct;
  if (typeName.includes('.')) return resolveNamespaceMember(types, typeName);
  const candidates = types.bare.get(typeName) ?? [];
  const first = candidates[0];
  if (first === undefined) return undefined;
  const unique = new Set(candidates.map((c) => types.qualified.get(c)));
  // A top-level (v1 core) declaration sorts first and wins; nested-only names must be unique.
  if (!first.includes('.') || unique.size === 1) return types.qualified.get(first);
  throw new Error(`shape: type name '${typeName}' is ambiguous; use one of ${candidates.join(', ')}`);
}

const typeByName = new Map<string, ts.Type>();

function resolveType(typeName: string): ts.Type {
  const cached = typeByName.get(typeName);
  if (cached) return cached;
  const types = loadStripeTypes();
  const symbol = resolveSymbol(types, typeName);
  if (!symbol) throw new Error(`shape: no exported interface or type '${typeName}' in the stripe package`);
  const type = types.checker.getDeclaredTypeOfSymbol(symbol);
  typeByName.set(typeName, type);
  return type;
}

// ---------------------------------------------------------------------------
// TypeShape: a ts.Type flattened into "which JSON kinds does it accept".
// Object properties and array elements stay as ts.Types and are analysed only
// when a value reaches them, which is what makes recursive types safe.

type Accepts<T> = 'any' | Set<T> | null; // null = kind not accepted at all

interface TypeShape {
  readonly types: readonly ts.Type[];
  any: boolean;
  nullable: boolean;
  /** Declared `void`: the field exists in the type only to say it must be absent. */
  hasVoid: boolean;
  strings: Accepts<string>;
  numbers: Accepts<number>;
  booleans: Accepts<boolean>;
  arrayElements: ts.Type[];
  objects: ObjectShape[];
}

interface PropShape {
  readonly optional: boolean;
  readonly type: ts.Type;
}

interface ObjectShape {
  readonly type: ts.Type;
  /** Filled on first use; see propsOf. */
  props: ReadonlyMap<string, PropShape> | undefined;
  index: ts.Type | undefined;
}

const shapeCache = new Map<ts.Type, TypeShape>();
const objectCache = new Map<ts.Type, ObjectShape>();

function emptyShape(types: readonly ts.Type[]): TypeShape {
  return {
    types,
    any: false,
    nullable: false,
    hasVoid: false,
    strings: null,
    numbers: null,
    booleans: null,
    arrayElements: [],
    objects: [],
  };
}

function addLiteral<T>(accepts: Accepts<T>, literal: T): Accepts<T> {
  if (accepts === 'any') return accepts;
  const set = accepts ?? new Set<T>();
  set.add(literal);
  return set;
}

/** Stripe's Decimal is a branded class in the SDK but a string on the wire. */
function isStripeDecimal(type: ts.Type): boolean {
  // An alias in older declarations; stripe@23 declares `Decimal` as a class. A string on the wire either way.
  const symbol = type.aliasSymbol ?? type.getSymbol();
  const declaration = symbol?.declarations?.[0];
  return symbol?.name === 'Decimal' && declaration?.getSourceFile().fileName.startsWith(STRIPE_CJS) === true;
}

function addPrimitive(shape: TypeShape, type: ts.Type, checker: ts.TypeChecker): boolean {
  const f = type.flags;
  if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) shape.any = true;
  else if (f & ts.TypeFlags.Null) shape.nullable = true;
  else if (f & ts.TypeFlags.Void) shape.hasVoid = true;
  // `undefined` only marks optionality (read from the property symbol instead); `never` adds no kind.
  else if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Never)) return true;
  else if (type.isStringLiteral()) shape.strings = addLiteral(shape.strings, type.value);
  else if (f & ts.TypeFlags.StringLike) shape.strings = 'any';
  else if (type.isNumberLiteral()) shape.numbers = addLiteral(shape.numbers, type.value);
  else if (f & ts.TypeFlags.NumberLike) shape.numbers = 'any';
  // `true`/`false` expose no public value field; their printed form is the reliable tell.
  else if (f & ts.TypeFlags.BooleanLiteral) {
    shape.booleans = addLiteral(shape.booleans, checker.typeToString(type) === 'true');
  }
  // Boolean carries the Union flag too, so it must be caught before unions are split.
  else if (f & ts.TypeFlags.Boolean) shape.booleans = 'any';
  else return false;
  return true;
}

function addType(shape: TypeShape, type: ts.Type, checker: ts.TypeChecker): void {
  if (isStripeDecimal(type)) {
    // A string on the wire; stripe@23 hands callers its `Decimal` class instead (checked as such).
    shape.strings = 'any';
    shape.any = true;
    return;
  }
  if (addPrimitive(shape, type, checker)) return;
  if (type.isUnion()) {
    for (const member of type.types) addType(shape, member, checker);
  } else if (type.isIntersection()) {
    addIntersection(shape, type, checker);
  } else if (type.flags & ts.TypeFlags.Object) {
    addObjectType(shape, type, checker);
  } else {
    // Type parameters, conditional types, etc. never describe response data;
    // accept anything rather than invent problems.
    shape.any = true;
  }
}

/** `string & Record<never, never>` (stripe's OtherString) is a string; object & object is an object. */
function addIntersection(shape: TypeShape, type: ts.IntersectionType, checker: ts.TypeChecker): void {
  const primitives = type.types.filter((t) => !(t.flags & ts.TypeFlags.Object));
  if (primitives.length === 0) {
    addObjectType(shape, type, checker);
    return;
  }
  for (const member of primitives) addType(shape, member, checker);
}

function addObjectType(shape: TypeShape, type: ts.Type, checker: ts.TypeChecker): void {
  if (checker.isArrayType(type) || checker.isTupleType(type)) {
    const args = checker.getTypeArguments(type as ts.TypeReference);
    // A tuple's arguments are its element types; their union is close enough for JSON.
    shape.arrayElements.push(...args);
    if (args.length === 0) shape.any = true;
    return;
  }
  shape.objects.push(objectShapeOf(type));
}

function objectShapeOf(type: ts.Type): ObjectShape {
  let shape = objectCache.get(type);
  if (!shape) {
    shape = { type, props: undefined, index: undefined };
    objectCache.set(type, shape);
  }
  return shape;
}

function propsOf(shape: ObjectShape): ReadonlyMap<string, PropShape> {
  if (shape.props) return shape.props;
  const { checker } = loadStripeTypes();
  const props = new Map<string, PropShape>();
  for (const symbol of checker.getPropertiesOfType(shape.type)) {
    const optional = (symbol.flags & ts.SymbolFlags.Optional) !== 0;
    props.set(symbol.name, { optional, type: checker.getTypeOfSymbol(symbol) });
  }
  shape.index = shape.type.getStringIndexType();
  shape.props = props;
  return props;
}

function shapeOf(types: readonly ts.Type[]): TypeShape {
  const single = types.length === 1 ? types[0] : undefined;
  const cached = single && shapeCache.get(single);
  if (cached) return cached;
  const { checker } = loadStripeTypes();
  const shape = emptyShape(types);
  for (const type of types) addType(shape, type, checker);
  if (single) shapeCache.set(single, shape);
  return shape;
}

function acceptsNothing(shape: TypeShape): boolean {
  return (
    !shape.any &&
    !shape.nullable &&
    shape.strings === null &&
    shape.numbers === null &&
    shape.booleans === null &&
    shape.arrayElements.length === 0 &&
    shape.objects.length === 0
  );
}

// ---------------------------------------------------------------------------
// Checking values against shapes.

type ProblemCode = 'missing' | 'unknown-field' | 'kind' | 'literal' | 'forbidden' | 'fixture';

interface Problem extends ShapeProblem {
  readonly code: ProblemCode;
}

type JsonKind = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean';

function jsonKind(value: unknown): JsonKind | undefined {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const kind = typeof value;
  if (kind === 'object' || kind === 'string' || kind === 'number' || kind === 'boolean') return kind;
  return undefined;
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function displayPath(path: string): string {
  return path === '' ? ROOT_PATH_LABEL : path;
}

function describeType(shape: TypeShape): string {
  const { checker } = loadStripeTypes();
  const text = shape.types.map((t) => checker.typeToString(t)).join(' | ');
  // `| undefined` is an artefact of optional properties, not something JSON can hold.
  return text.replace(/ \| undefined/g, '').replace(/^undefined \| /, '');
}

function describeValue(value: unknown, kind: JsonKind | undefined): string {
  if (kind === 'string') return JSON.stringify(value);
  if (kind === 'number' || kind === 'boolean' || kind === 'null') return String(value);
  return kind ?? `non-JSON ${typeof value}`;
}

function checkLiteral<T>(accepts: Accepts<T>, value: T): 'ok' | 'kind' | 'literal' {
  if (accepts === null) return 'kind';
  if (accepts === 'any' || accepts.has(value)) return 'ok';
  return 'literal';
}

function checkValue(value: unknown, shape: TypeShape, path: string, out: Problem[]): void {
  if (shape.any) return;
  const kind = jsonKind(value);
  if (acceptsNothing(shape) && shape.hasVoid) {
    out.push({ path: displayPath(path), code: 'forbidden', problem: 'must be absent (declared as void)' });
    return;
  }
  let verdict: 'ok' | 'kind' | 'literal' = 'kind';
  if (value === null) verdict = shape.nullable ? 'ok' : 'kind';
  else if (typeof value === 'string') verdict = checkLiteral(shape.strings, value);
  else if (typeof value === 'number') verdict = checkLiteral(shape.numbers, value);
  else if (typeof value === 'boolean') verdict = checkLiteral(shape.booleans, value);
  else if (Array.isArray(value) && shape.arrayElements.length > 0) {
    checkArray(value, shape.arrayElements, path, out);
    return;
  } else if (isRecord(value) && shape.objects.length > 0) {
    checkObjectAlternatives(value, shape.objects, path, out);
    return;
  }
  if (verdict === 'ok') return;
  out.push({
    path: displayPath(path),
    code: verdict,
    problem: `expected ${describeType(shape)}, got ${describeValue(value, kind)}`,
  });
}

function checkArray(items: readonly unknown[], elementTypes: readonly ts.Type[], path: string, out: Problem[]): void {
  const element = shapeOf(elementTypes);
  for (const [i, item] of items.entries()) checkValue(item, element, `${path}[${i}]`, out);
}

/** Stripe objects announce themselves via `object`; use it to pick the union member first. */
function discriminate(value: Record<string, unknown>, candidates: readonly ObjectShape[]): readonly ObjectShape[] {
  const tag = value.object;
  if (typeof tag !== 'string') return candidates;
  const matching = candidates.filter((candidate) => {
    const objectProp = propsOf(candidate).get('object');
    if (!objectProp) return false;
    return checkLiteral(shapeOf([objectProp.type]).strings, tag) === 'ok';
  });
  return matching.length > 0 ? matching : candidates;
}

/**
 * `Customer | DeletedCustomer` etc.: the value is fine if any member accepts it;
 * otherwise report the member it came closest to, so messages stay specific.
 */
function checkObjectAlternatives(
  value: Record<string, unknown>,
  candidates: readonly ObjectShape[],
  path: string,
  out: Problem[],
): void {
  const only = candidates.length === 1 ? candidates[0] : undefined;
  if (only) {
    checkObject(value, only, path, out);
    return;
  }
  let best: Problem[] | undefined;
  for (const candidate of discriminate(value, candidates)) {
    const attempt: Problem[] = [];
    checkObject(value, candidate, path, attempt);
    if (attempt.length === 0) return;
    if (!best || attempt.length < best.length) best = attempt;
  }
  out.push(...(best ?? []));
}

function typeLabel(type: ts.Type): string {
  return loadStripeTypes().checker.typeToString(type);
}

function checkObject(value: Record<string, unknown>, shape: ObjectShape, path: string, out: Problem[]): void {
  const props = propsOf(shape);
  for (const [name, prop] of props) {
    const propPath = childPath(path, name);
    const propShape = shapeOf([prop.type]);
    // A key holding `undefined` would vanish in JSON.stringify, so it counts as absent.
    if (!Object.hasOwn(value, name) || value[name] === undefined) {
      const mayBeAbsent = prop.optional || (acceptsNothing(propShape) && propShape.hasVoid);
      if (!mayBeAbsent) out.push({ path: propPath, code: 'missing', problem: 'missing required field' });
      continue;
    }
    checkValue(value[name], propShape, propPath, out);
  }
  for (const [key, child] of Object.entries(value)) {
    if (props.has(key) || child === undefined) continue;
    const keyPath = childPath(path, key);
    if (shape.index) checkValue(child, shapeOf([shape.index]), keyPath, out);
    else {
      const problem = `unknown field (not declared on ${typeLabel(shape.type)})`;
      out.push({ path: keyPath, code: 'unknown-field', problem });
    }
  }
}

// ---------------------------------------------------------------------------
// Fixture cross-check.

let fixtureResources: ReadonlyMap<string, unknown> | undefined;

function loadFixtures(): ReadonlyMap<string, unknown> {
  if (fixtureResources) return fixtureResources;
  const parsed: unknown = JSON.parse(readFileSync(FIXTURES_PATH, 'utf8'));
  const resources = isRecord(parsed) ? parsed.resources : undefined;
  fixtureResources = new Map(isRecord(resources) ? Object.entries(resources) : []);
  return fixtureResources;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return jsonKind(value) === 'object';
}

/** Returns the fixture's top-level field names, or undefined if there is no such fixture. */
function fixtureKeys(fixtureName: string): ReadonlySet<string> | undefined {
  const fixture = loadFixtures().get(fixtureName);
  return isRecord(fixture) ? new Set(Object.keys(fixture)) : undefined;
}

/**
 * The SDK type is authoritative, so a top-level field unknown to it is already a
 * problem; the fixture only sharpens the message (invented outright, or present
 * in Stripe's example but missing from the SDK version we pin).
 */
function applyFixture(problems: Problem[], fixtureName: string): Problem[] {
  const keys = fixtureKeys(fixtureName);
  if (!keys) {
    const problem = `no fixture '${fixtureName}' in fixtures3.json`;
    return [...problems, { path: ROOT_PATH_LABEL, code: 'fixture', problem }];
  }
  return problems.map((p) => {
    const topLevel = p.code === 'unknown-field' && !/[.[]/.test(p.path);
    if (!topLevel) return p;
    const note = keys.has(p.path)
      ? `; present in fixture '${fixtureName}', but the SDK type wins`
      : `; not in fixture '${fixtureName}' either`;
    return { ...p, problem: p.problem + note };
  });
}

// ---------------------------------------------------------------------------
// Entry point: plain names, plus `ApiList<Customer>`-style names for list envelopes.

const GENERIC_NAME = /^([\w.]+)<([\w.]+)>$/;

/**
 * The compiler API has no public way to instantiate `ApiList<Customer>`, so a
 * generic name is checked in two passes: the envelope with its type parameter
 * left open (accepts anything), then each `data[i]` against the argument type.
 */
function checkNamedType(obj: unknown, typeName: string, out: Problem[]): void {
  const generic = GENERIC_NAME.exec(typeName);
  const outer = generic?.[1];
  const inner = generic?.[2];
  if (outer === undefined || inner === undefined) {
    checkValue(obj, shapeOf([resolveType(typeName)]), '', out);
    return;
  }
  checkValue(obj, shapeOf([resolveType(outer)]), '', out);
  const data = isRecord(obj) ? obj.data : undefined;
  if (!Array.isArray(data)) return;
  const item = shapeOf([resolveType(inner)]);
  for (const [i, element] of (data as readonly unknown[]).entries()) checkValue(element, item, `data[${i}]`, out);
}

// ---------------------------------------------------------------------------
// Public API.

/**
 * Returns the list of problems (empty = OK). typeName is the exported interface
 * in the stripe package, e.g. 'Customer', 'DeletedCustomer', 'PaymentIntent'
 * (nested resources as 'Issuing.Card', namespace members as
 * 'Customer.InvoiceSettings', list envelopes as 'ApiList<Customer>').
 * fixtureName is the key in fixtures3.json
 * resources (e.g. 'customer'); optional.
 */
export function shapeProblems(obj: unknown, typeName: string, fixtureName?: string): ShapeProblem[] {
  const problems: Problem[] = [];
  checkNamedType(obj, typeName, problems);
  const withFixture = fixtureName === undefined ? problems : applyFixture(problems, fixtureName);
  return withFixture.map(({ path, problem }) => ({ path, problem }));
}

/** Throws an AssertionError listing every problem. */
export function assertShape(obj: unknown, typeName: string, fixtureName?: string): void {
  const problems = shapeProblems(obj, typeName, fixtureName);
  if (problems.length === 0) return;
  const against = fixtureName === undefined ? typeName : `${typeName} (fixture '${fixtureName}')`;
  const lines = problems.map((p) => `  ${p.path}: ${p.problem}`);
  throw new AssertionError({
    message: `value does not match ${against}: ${problems.length} problem(s)\n${lines.join('\n')}`,
  });
}
