// The engine's and the API's messages are read by people with and without a command line, so
// none of them may name a CLI flag or a spillway command: the next step travels as a remedy
// code and each front end words it. Every string literal in engine/ and api/ is checked (read
// with the TypeScript parser, so comments do not count); the only ones let through are the
// arguments given to other programs.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const FOLDERS = ['src-main/engine', 'src-main/api'];
const FLAG = /(^|[\s(`'"“])--[a-z]/;
const COMMAND =
  /\bspillway (backup|restore|verify|inspect|ls|find|extract|recompress|pipe|ui|clone|mount|unmount)\b/;

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => join(folder, name));
}

/**
 * An argument list for another program (`run('blockdev', ['--flushbufs', path])`, or a step
 * `['ntfsresize', ['--force', node]]` that names its program first), or V8's flags.
 */
function forAnotherProgram(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isArrayLiteralExpression(parent) && ts.isCallExpression(parent.parent)) return true;
  if (ts.isArrayLiteralExpression(parent) && ts.isArrayLiteralExpression(parent.parent)) {
    const [program, args] = parent.parent.elements;
    if (args === parent && program !== undefined && ts.isStringLiteral(program)) return true;
  }
  return ts.isCallExpression(parent) && parent.expression.getText() === 'setFlagsFromString';
}

/** Every piece of text the code holds that names a flag or a command, with its line. */
function flagsNamed(file: string, code = readFileSync(join(ROOT, file), 'utf8')): string[] {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isStringLiteral(node) ||
        ts.isNoSubstitutionTemplateLiteral(node) ||
        ts.isTemplateHead(node) ||
        ts.isTemplateMiddle(node) ||
        ts.isTemplateTail(node)) &&
      (FLAG.test(node.text) || COMMAND.test(node.text)) &&
      !ts.isImportDeclaration(node.parent) &&
      !forAnotherProgram(node)
    ) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      found.push(`${file}:${line}: ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('engine and API messages', () => {
  const files = FOLDERS.flatMap(sources);

  it('are read from every source file of engine/ and api/', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('src-main/engine/backup/destination.ts');
    expect(files).toContain('src-main/api/api-handler.ts');
  });

  it('name no CLI flag and no spillway command', () => {
    expect(files.flatMap((file) => flagsNamed(file))).toEqual([]);
  });

  it('the check catches a flag in a message, and lets an argument list through', () => {
    const code =
      `throw new SpillwayError('destination-exists', 'There.', { hint: 'Add --force.' });\n` +
      `const message = \`Run spillway verify on \${path}.\`;\n` +
      `await run('blockdev', ['--flushbufs', path]);\n`;
    expect(flagsNamed('probe.ts', code)).toEqual([
      'probe.ts:1: Add --force.',
      'probe.ts:2: Run spillway verify on ',
    ]);
  });
});
