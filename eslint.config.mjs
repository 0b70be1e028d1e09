import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import tseslint from 'typescript-eslint';

const SRC = join(import.meta.dirname, 'src');
const isModuleFile = (name) => name.endsWith('.module.ts');
const moduleFolders = new Map();

/** The nearest folder under src/ (src/ itself excluded) that holds a *.module.ts file, or undefined. */
function moduleFolderOf(file) {
  for (let dir = dirname(file); dir.startsWith(SRC + sep); dir = dirname(dir)) {
    if (!moduleFolders.has(dir)) moduleFolders.set(dir, readdirSync(dir).some(isModuleFile));
    if (moduleFolders.get(dir)) return dir;
  }
  return undefined;
}

function resolveRelative(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => existsSync(candidate));
}

/**
 * Hand-written because no installed plugin knows Nest modules: a folder holding a *.module.ts file is a
 * module, its module file is its index, and only files of that folder (not of a nested module) see the rest.
 */
const moduleBoundaries = {
  meta: {
    type: 'problem',
    schema: [{ type: 'object', properties: { forbidden: { type: 'object' } }, additionalProperties: false }],
    messages: {
      internal: "'{{specifier}}' reaches into the {{module}} module: import its module file instead.",
      forbidden: "'{{specifier}}': {{from}} must not import from {{to}}.",
    },
  },
  create(context) {
    const file = context.filename;
    const from = relative(import.meta.dirname, file);
    const forbidden = Object.entries(context.options[0]?.forbidden ?? {}).filter(([dir]) => from.startsWith(`${dir}/`));
    const check = (node) => {
      const specifier = node.source?.value;
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = resolveRelative(file, specifier);
      if (!target) return;
      const to = relative(import.meta.dirname, target);
      for (const [dir, targets] of forbidden) {
        const hit = targets.find((banned) => to === banned || to.startsWith(`${banned}/`));
        if (hit) context.report({ node: node.source, messageId: 'forbidden', data: { specifier, from: dir, to: hit } });
      }
      const targetModule = moduleFolderOf(target);
      if (!targetModule || targetModule === moduleFolderOf(file) || isModuleFile(target)) return;
      context.report({ node: node.source, messageId: 'internal', data: { specifier, module: relative(SRC, targetModule) } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default defineConfig(
  globalIgnores(['dist/', 'console/dist/', 'clients/*/dist/', 'node_modules/', 'data/', 'coverage/']),
  js.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `async` is how this code implements Promise-returning contracts (strategies, guard hooks, probes).
      '@typescript-eslint/require-await': 'off',
      // Nest names statuses in its HttpStatus enum but hands them out as numbers (HttpException.getStatus).
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // `_name` parameters exist for their decorators; rest siblings are how a copy drops keys.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'clients/*/src/**/*.spec.ts'],
    rules: {
      // supertest bodies, JSON.parse results and jest's asymmetric matchers are `any` by their types.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Tests read decorators' metadata off method references, which are never called.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Tests, unit specs included, may reach into a module's internals.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    plugins: { local: { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: { 'local/module-boundaries': ['error', { forbidden: { 'src/routing': ['src/auth'] } }] },
  },
);
