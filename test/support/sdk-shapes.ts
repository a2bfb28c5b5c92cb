/**
 * Declared object shapes per installed Stripe SDK, and a checker that judges received JSON against
 * them: every field received must be declared for that SDK's API version, every non-optional declared
 * field must be present, and primitives must be of a declared kind (string literal unions included).
 *
 * Each SDK's TypeScript declarations are read with the compiler API into plain data ("declarations":
 * named interfaces with their fields, and `object` tag → interface names), so one SDK's extraction can
 * run in a worker thread while scenarios run, and is cached on disk by SDK and compiler version.
 * The old majors declare `declare module 'stripe' { namespace Stripe { … } }` (types/), the current
 * one exports per file (cjs/resources/); both end up with qualified names like `Customer`,
 * `PaymentIntent.NextAction`, `Issuing.Card`. Anonymous inline types get the name of the field that
 * holds them (`Charge.payment_method_details…`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The SDKs installed side by side (package aliases; `stripe` is the current major). */
export const SDK_PACKAGES = ['stripe-v8', 'stripe-v12', 'stripe-v14', 'stripe-v16', 'stripe-v18', 'stripe'] as const;
export type SdkPackage = (typeof SDK_PACKAGES)[number];

/** A declared type, flattened to the JSON kinds it accepts. */
export interface TypeDecl {
  any?: true;
  nullable?: true;
  /** `true` = any string; a list = those literals only. */
  string?: true | string[];
  number?: true;
  boolean?: true;
  /** Element type of an array. */
  array?: TypeDecl;
  /** Names of interfaces (keys of `Declarations.interfaces`) an object value may match. */
  objects?: string[];
}

export interface FieldDecl {
  type: TypeDecl;
  optional: boolean;
  /** Declared `void` (e.g. `deleted?: void` on a live Customer): the field must be absent. */
  absent?: true;
}

export interface InterfaceDecl {
  fields: Record<string, FieldDecl>;
  /** String index signature (`Metadata`): any key, values of this type. */
  index?: TypeDecl;
}

export interface Declarations {
  sdk: string;
  version: string;
  interfaces: Record<string, InterfaceDecl>;
  /** `object` value → names of top-level interfaces/aliases declaring it (`customer` → Customer, DeletedCustomer). */
  tags: Record<string, string[]>;
}

export interface ShapeProblem {
  /** Where in the received object (`data[0].charges`). */
  path: string;
  /** The declared interface the problem is about (`PaymentIntent`), and its field. */
  on: string;
  field: string;
  problem: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function packageDir(sdk: SdkPackage): string {
  return join(REPO_ROOT, 'node_modules', sdk);
}

function packageVersion(sdk: SdkPackage): string {
  return (JSON.parse(readFileSync(join(packageDir(sdk), 'package.json'), 'utf8')) as { version: string }).version;
}

function declarationFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...declarationFiles(full));
    else if (entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files.sort();
}

// ---------------------------------------------------------------------------------------------
// Extraction

/** Every exported named type of an SDK, by qualified name. */
function namedTypes(sdk: SdkPackage): { checker: ts.TypeChecker; named: Map<string, ts.Symbol> } {
  const dir = packageDir(sdk);
  const modern = sdk === 'stripe';
  const resources = join(dir, 'cjs', 'resources');
  const files = modern
    ? [...declarationFiles(resources), join(dir, 'cjs', 'shared.d.ts'), join(dir, 'cjs', 'lib.d.ts')]
    : declarationFiles(join(dir, 'types'));
  // strict is essential: without strictNullChecks `string | null` collapses to `string`.
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const named = new Map<string, ts.Symbol>();
  const isNamed = (s: ts.Symbol) => (s.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) !== 0;
  const walk = (symbol: ts.Symbol, prefix: string) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const name = `${prefix}${symbol.name}`;
    if (isNamed(target) && !named.has(name)) named.set(name, target);
    if (target.flags & ts.SymbolFlags.Namespace) {
      for (const member of checker.getExportsOfModule(target)) walk(member, `${name}.`);
    }
  };
  if (modern) {
    for (const file of files) {
      const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file) as ts.SourceFile);
      if (!moduleSymbol) continue;
      // resources/Issuing/Cards.d.ts → "Issuing." so nested names mirror Stripe.Issuing.Card.
      const prefix = file.startsWith(resources + sep)
        ? relative(resources, file)
            .split(sep)
            .slice(0, -1)
            .map((d) => `${d}.`)
            .join('')
        : '';
      for (const exported of checker.getExportsOfModule(moduleSymbol)) walk(exported, prefix);
    }
  } else {
    const stripeModule = checker.getAmbientModules().find((m) => m.name === '"stripe"');
    const namespace = stripeModule && checker.getExportsOfModule(stripeModule).find((s) => s.name === 'Stripe');
    if (!namespace) throw new Error(`sdk-shapes: no 'Stripe' namespace in ${sdk}'s declarations`);
    for (const member of checker.getExportsOfModule(namespace)) walk(member, '');
  }
  return { checker, named };
}

/** Reads one SDK's declarations into plain data (several seconds: cache the result). */
export function extractDeclarations(sdk: SdkPackage): Declarations {
  const { checker, named } = namedTypes(sdk);
  const nameOfSymbol = new Map<ts.Symbol, string>();
  for (const [name, symbol] of named) if (!nameOfSymbol.has(symbol)) nameOfSymbol.set(symbol, name);

  const interfaces: Record<string, InterfaceDecl> = {};
  const nameOfType = new Map<ts.Type, string>();
  const queue: [ts.Type, string][] = [];

  /** The interface name for an object type, queued for extraction on first sight. */
  const objectName = (type: ts.Type, hint: string): string => {
    const known = nameOfType.get(type);
    if (known) return known;
    const symbol = type.aliasSymbol ?? type.getSymbol();
    let name = symbol ? nameOfSymbol.get(symbol) : undefined;
    if (!name || name in interfaces) name = hint;
    while (name in interfaces) name = `${name}'`;
    nameOfType.set(type, name);
    interfaces[name] = { fields: {} };
    queue.push([type, name]);
    return name;
  };

  const describe = (type: ts.Type, hint: string, into: TypeDecl = {}): TypeDecl => {
    const f = type.flags;
    if (type.aliasSymbol?.name === 'Decimal')
      into.string = true; // a branded class in the SDK, a string on the wire
    else if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) into.any = true;
    else if (f & ts.TypeFlags.Null) into.nullable = true;
    else if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Never | ts.TypeFlags.Void)) {
      // optionality and absence are read from the property itself
    } else if (type.isStringLiteral()) {
      if (into.string !== true) into.string = [...(into.string ?? []), type.value];
    } else if (f & ts.TypeFlags.StringLike) into.string = true;
    else if (f & ts.TypeFlags.NumberLike) into.number = true;
    else if (f & (ts.TypeFlags.BooleanLike | ts.TypeFlags.BooleanLiteral)) into.boolean = true;
    else if (type.isUnion()) for (const member of type.types) describe(member, hint, into);
    else if (type.isIntersection()) {
      // `string & {}` (stripe's open string enums) is a string; object & object is an object.
      const primitives = type.types.filter((t) => !(t.flags & ts.TypeFlags.Object));
      if (primitives.length > 0) for (const member of primitives) describe(member, hint, into);
      else into.objects = [...(into.objects ?? []), objectName(type, hint)];
    } else if (f & ts.TypeFlags.Object) {
      if (checker.isArrayType(type) || checker.isTupleType(type)) {
        const [element] = checker.getTypeArguments(type as ts.TypeReference);
        into.array = element ? describe(element, `${hint}[]`) : { any: true };
      } else into.objects = [...(into.objects ?? []), objectName(type, hint)];
    } else into.any = true; // type parameters and the like never describe response data
    return into;
  };

  const tags: Record<string, string[]> = {};
  for (const [name, symbol] of named) {
    // Objects the API returns, not the params or options types that reuse their names.
    if (/(Params|Options)(\.|$)/.test(name) || (name.includes('.') && !/^[A-Z]\w*\.[A-Z]\w*$/.test(name))) continue;
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    const members = type.isUnion() ? type.types : [type];
    for (const member of members) {
      const objectProp = member.getProperty('object');
      const tag = objectProp && checker.getTypeOfSymbol(objectProp);
      if (!tag?.isStringLiteral()) continue;
      // v1 core names (no namespace) first: "Account" is v1's Account, not V2.Core.Account.
      if (name.includes('.') && tags[tag.value]?.some((n) => !n.includes('.'))) continue;
      const list = tags[tag.value] ?? [];
      tags[tag.value] = list;
      const entry = type.isUnion() ? objectName(member, name) : objectName(type, name);
      if (!list.includes(entry)) list.push(entry);
    }
  }

  for (let next = queue.shift(); next; next = queue.shift()) {
    const [type, name] = next;
    const decl = interfaces[name] as InterfaceDecl;
    for (const prop of checker.getPropertiesOfType(type)) {
      const propType = checker.getTypeOfSymbol(prop);
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      const described = describe(propType, `${name}.${prop.name}`);
      const field: FieldDecl = { type: described, optional };
      const onlyVoid = propType.isUnion()
        ? propType.types.every((t) => t.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined))
        : (propType.flags & ts.TypeFlags.Void) !== 0;
      if (onlyVoid) field.absent = true;
      decl.fields[prop.name] = field;
    }
    const index = type.getStringIndexType();
    if (index) decl.index = describe(index, `${name}[]`);
  }
  return { sdk, version: packageVersion(sdk), interfaces, tags };
}

// ---------------------------------------------------------------------------------------------
// Cache

/** Keyed by SDK version, compiler version and this module's own text, so any change re-extracts. */
function cachePath(sdk: SdkPackage): string {
  const self = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')
    .slice(0, 12);
  return join(tmpdir(), 'sandbank-sdk-shapes', `${sdk}@${packageVersion(sdk)}-ts${ts.version}-${self}.json`);
}

/** The SDK's declarations, from the on-disk cache or freshly extracted (and then cached). */
export function loadDeclarations(sdk: SdkPackage): Declarations {
  const path = cachePath(sdk);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Declarations;
  } catch {
    const decls = extractDeclarations(sdk);
    mkdirSync(join(tmpdir(), 'sandbank-sdk-shapes'), { recursive: true });
    // Write then rename, so a concurrent reader never sees half a file.
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(decls));
    renameSync(partial, path);
    return decls;
  }
}

// ---------------------------------------------------------------------------------------------
// Checking

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join2(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describeDecl(decl: TypeDecl): string {
  const parts: string[] = [];
  if (decl.string === true) parts.push('string');
  else if (decl.string) parts.push(decl.string.map((s) => JSON.stringify(s)).join(' | '));
  if (decl.number) parts.push('number');
  if (decl.boolean) parts.push('boolean');
  if (decl.array) parts.push('array');
  if (decl.objects) parts.push(decl.objects.join(' | '));
  if (decl.nullable) parts.push('null');
  return parts.join(' | ') || 'nothing';
}

class Checker {
  constructor(readonly decls: Declarations) {}

  /** An interface that declares nothing at all (Event.Data.Object): its value is judged by its own `object`. */
  private isOpen(name: string): boolean {
    const decl = this.decls.interfaces[name];
    return decl !== undefined && Object.keys(decl.fields).length === 0 && decl.index === undefined;
  }

  value(value: unknown, decl: TypeDecl, path: string, out: ShapeProblem[], on = '', field = ''): void {
    const problem = (text: string) => out.push({ path: path || '(root)', on, field, problem: text });
    if (decl.any) {
      // A type parameter (ApiList<T>'s data) or `any`: objects that say what they are still get checked.
      if (isRecord(value)) this.tagged(value, path, out, false);
      else if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) this.value(item, decl, `${path}[${i}]`, out, on, field);
      }
      return;
    }
    if (value === null) {
      if (!decl.nullable) problem(`is null, declared ${describeDecl(decl)}`);
      return;
    }
    if (typeof value === 'string') {
      if (decl.string === true || decl.string?.includes(value)) return;
      problem(`is ${JSON.stringify(value)}, declared ${describeDecl(decl)}`);
      return;
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
      if (typeof value === 'number' ? decl.number : decl.boolean) return;
      problem(`is ${typeof value}, declared ${describeDecl(decl)}`);
      return;
    }
    if (Array.isArray(value)) {
      if (!decl.array) problem(`is an array, declared ${describeDecl(decl)}`);
      else for (const [i, item] of value.entries()) this.value(item, decl.array, `${path}[${i}]`, out, on, field);
      return;
    }
    if (isRecord(value)) {
      const objects = decl.objects ?? [];
      if (objects.length === 0) problem(`is an object, declared ${describeDecl(decl)}`);
      else if (objects.length === 1 && this.isOpen(objects[0] as string)) this.tagged(value, path, out, false);
      else this.alternatives(value, objects, path, out);
    }
  }

  /** Picks, among the interfaces an object may be, the one it matches best (exactly, if any). */
  alternatives(value: Record<string, unknown>, names: readonly string[], path: string, out: ShapeProblem[]): void {
    // Discriminate by single-literal fields (object, type, …) first, so messages name the right member.
    const matching = names.filter((name) => {
      const fields = this.decls.interfaces[name]?.fields ?? {};
      return Object.entries(fields).every(([key, field]) => {
        const literals = field.type.string;
        if (!Array.isArray(literals) || literals.length !== 1 || typeof value[key] !== 'string') return true;
        return literals[0] === value[key];
      });
    });
    let best: ShapeProblem[] | undefined;
    for (const name of matching.length > 0 ? matching : names) {
      const attempt: ShapeProblem[] = [];
      this.object(value, name, path, attempt);
      if (attempt.length === 0) return;
      if (!best || attempt.length < best.length) best = attempt;
    }
    out.push(...(best ?? []));
  }

  object(value: Record<string, unknown>, name: string, path: string, out: ShapeProblem[]): void {
    const decl = this.decls.interfaces[name];
    if (!decl) {
      out.push({ path: path || '(root)', on: name, field: '', problem: `no declaration ${name}` });
      return;
    }
    for (const [key, field] of Object.entries(decl.fields)) {
      const present = Object.hasOwn(value, key) && value[key] !== undefined;
      const at = { path: join2(path, key), on: name, field: key };
      if (field.absent) {
        if (present) out.push({ ...at, problem: 'present, but declared void (must be absent)' });
      } else if (!present) {
        if (!field.optional) out.push({ ...at, problem: 'missing (declared required)' });
      } else this.value(value[key], field.type, at.path, out, name, key);
    }
    for (const [key, child] of Object.entries(value)) {
      if (key in decl.fields || child === undefined) continue;
      if (decl.index) this.value(child, decl.index, join2(path, key), out, name, key);
      else out.push({ path: join2(path, key), on: name, field: key, problem: UNDECLARED });
    }
  }

  /** A value that announces itself with `object`: checked against that tag's declarations. */
  tagged(value: Record<string, unknown>, path: string, out: ShapeProblem[], strict = true): void {
    const tag = value.object;
    const names = typeof tag === 'string' ? this.decls.tags[tag] : undefined;
    if (names) this.alternatives(value, names, path, out);
    else if (strict)
      out.push({ path: path || '(root)', on: '', field: 'object', problem: `no declared object '${String(tag)}'` });
  }
}

/**
 * The problems of a received object (empty = it matches). Without `typeName` the object's own
 * `object` field picks the declaration (`list` → ApiList, whose `data` items are then checked by
 * their own tags).
 */
export function shapeProblems(decls: Declarations, value: unknown, typeName?: string): ShapeProblem[] {
  const checker = new Checker(decls);
  const out: ShapeProblem[] = [];
  if (!isRecord(value)) return [{ path: '(root)', on: '', field: '', problem: 'not an object' }];
  if (typeName) checker.object(value, typeName, '', out);
  else checker.tagged(value, '', out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reports

/**
 * Differences between Stripe's wire format and an SDK's declarations that are known and accepted,
 * by declared interface and field. Keep this short, and say why for each.
 */
export const DOCUMENTED_EXCEPTIONS: readonly { on: string; field: string; sdks: readonly string[]; why: string }[] = [
  {
    on: 'Charge',
    field: 'refunds',
    sdks: ['stripe-v12', 'stripe-v14'],
    why: 'Stripe stopped including a charge\'s refunds at 2022-11-15 (changelog: "The Charges object no longer auto-expands refunds by default"); stripe-node 11-14 still declare the field required',
  },
  {
    on: 'PaymentIntent',
    field: 'capture_method',
    sdks: ['stripe-v8'],
    why: "a subscription invoice's PaymentIntent captures `automatic_async`, an enum value Stripe added after stripe-node 8 (2020-08-27) was generated; Stripe adds enum values to every version",
  },
  {
    on: 'DeletedCard',
    field: 'currency',
    sdks: ['stripe-v8'],
    why: 'Stripe answers a source delete with {id, object, deleted}; stripe-node 8 declares currency required, later majors optional',
  },
];

/**
 * A field the declarations do not know. Stripe adds fields to every API version (only removals and
 * renames are version changes), so an older SDK's declarations lack fields real Stripe sends it:
 * for older versions the check asks that every declared field is there with its declared kind, not
 * that nothing else is.
 */
export const UNDECLARED = 'received, but not declared';

/** One received object and what produced it (`customers.create`), for reports. */
export interface ReceivedObject {
  object: unknown;
  via: string;
}

/**
 * Every distinct problem over many received objects, one line each, grouped by declared interface
 * and field so one missing field reads once however often and wherever (lists, expansions, events)
 * it came back: `PaymentIntent.charges: missing (declared required)  (16× via paymentIntents.create, …)`.
 */
export function shapeReport(
  decls: Declarations,
  received: readonly ReceivedObject[],
  opts: { allowUndeclared?: boolean } = {},
): string[] {
  const lines = new Map<string, { count: number; via: Set<string> }>();
  for (const { object, via } of received) {
    for (const p of shapeProblems(decls, object)) {
      if (DOCUMENTED_EXCEPTIONS.some((e) => e.on === p.on && e.field === p.field && e.sdks.includes(decls.sdk)))
        continue;
      if (opts.allowUndeclared && p.problem === UNDECLARED) continue;
      const line = p.on ? `${p.on}.${p.field}: ${p.problem}` : `${p.path}: ${p.problem}`;
      const entry = lines.get(line) ?? { count: 0, via: new Set<string>() };
      entry.count += 1;
      entry.via.add(via);
      lines.set(line, entry);
    }
  }
  return [...lines.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([line, { count, via }]) => {
      const where = [...via].slice(0, 3).join(', ') + (via.size > 3 ? ', …' : '');
      return `${line}  (${count}× via ${where})`;
    });
}
