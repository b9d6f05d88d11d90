import { unstorableCharacter } from '@flowline/contracts';

/**
 * Keys JavaScript gives a meaning of its own. `JSON.parse` makes them plain properties, but a
 * later spread, merge or class transformation may not: they are refused wherever they appear.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A response lists at most this many problems, so a hostile body cannot make a huge answer. */
export const MAX_LISTED_PROBLEMS = 50;

export interface InputProblemOptions {
  /** Query parameters: each must be given once, as text (`a=1&a=2` and `a[b]=1` are refused). */
  singleValues?: boolean;
}

/** A container met on the walk; its path is spelled only when a problem needs it. */
interface Container {
  value: object;
  parent: Container | undefined;
  key: string | number | undefined;
}

function pathOf(container: Container | undefined, root: string, key?: string | number): string {
  const keys: Array<string | number> = key === undefined ? [] : [key];
  for (let at = container; at?.key !== undefined; at = at.parent) keys.push(at.key);
  let path = root;
  for (let index = keys.length - 1; index >= 0; index--) {
    const part = keys[index]!;
    path = typeof part === 'number' ? `${path}[${part}]` : path ? `${path}.${part}` : part;
  }
  return path || 'body';
}

/**
 * Every problem of a received value (a body, the query, a path parameter) that no DTO can see:
 * unstorable characters in any text, object keys included, at any depth, and forbidden keys.
 * `root` names the value itself ('' for a body, whose fields are named from its top). Walks
 * without recursion; the body parser has bounded the depth already, but the query has not.
 */
export function findInputProblems(value: unknown, root: string, options: InputProblemOptions = {}): string[] {
  const problems: string[] = [];
  if (options.singleValues && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry === 'string' || entry === undefined) continue;
      const name = unstorableCharacter(key) === undefined ? pathOf(undefined, root, key) : 'a query parameter';
      problems.push(
        Array.isArray(entry) ? `${name} must be given once` : `${name} must be a single value, not nested parameters`,
      );
    }
  }
  // Texts are checked where they are met; only containers wait on the stack (a container's
  // children are reversed there, so nested problems come in the order of their fields). No
  // recursion, no spread (a body may hold more fields than a call takes arguments), and no path
  // is spelled unless a problem names it.
  const pending: Container[] = [];
  const visit = (entry: unknown, parent: Container | undefined, key: string | number | undefined): void => {
    if (typeof entry === 'string') {
      const reason = unstorableCharacter(entry);
      if (reason) problems.push(`${pathOf(parent, root, key)} must not contain ${reason}`);
    } else if (typeof entry === 'object' && entry !== null) {
      pending.push({ value: entry, parent, key });
    }
  };
  visit(value, undefined, undefined);
  while (pending.length > 0 && problems.length <= MAX_LISTED_PROBLEMS) {
    const container = pending.pop()!;
    const before = pending.length;
    if (Array.isArray(container.value)) {
      container.value.forEach((entry: unknown, index) => visit(entry, container, index));
    } else {
      for (const [key, entry] of Object.entries(container.value)) {
        const reason = unstorableCharacter(key);
        if (reason) problems.push(`${pathOf(container, root)} must not have a key containing ${reason}`);
        else if (FORBIDDEN_KEYS.has(key)) problems.push(`${pathOf(container, root)} must not have the key "${key}"`);
        else visit(entry, container, key);
      }
    }
    for (let low = before, high = pending.length - 1; low < high; low++, high--) {
      [pending[low], pending[high]] = [pending[high]!, pending[low]!];
    }
  }
  if (problems.length > MAX_LISTED_PROBLEMS) {
    return [...problems.slice(0, MAX_LISTED_PROBLEMS), 'and more problems of the same kinds'];
  }
  return problems;
}
