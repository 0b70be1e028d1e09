import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { builtinModules } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const NEST_CLI = join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');

/**
 * The app compiled by `nest build` (as `npm run build` does, with nest-cli.json's Swagger plugin) into a
 * temporary directory laid out like the image: dist/ beside node_modules/. The work tree's dist/ is left
 * alone, so a test never races a developer's build.
 */
export class ProductionBuild {
  private constructor(private readonly root: string) {}

  static async build(): Promise<ProductionBuild> {
    const root = mkdtempSync(join(tmpdir(), 'mailroute-build-'));
    const tsconfig = join(root, 'tsconfig.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({ extends: join(ROOT, 'tsconfig.build.json'), compilerOptions: { outDir: join(root, 'dist') } }),
    );
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    // The Nest CLI joins --path onto its working directory, so it must be relative to the project.
    await run(process.execPath, [NEST_CLI, 'build', '--path', relative(ROOT, tsconfig)]).catch((error: Error) => {
      rmSync(root, { recursive: true, force: true });
      throw error;
    });
    return new ProductionBuild(root);
  }

  /** What the image's `CMD ["node", "dist/main"]` runs. */
  get entry(): string {
    return join(this.root, 'dist', 'main.js');
  }

  /** The packages the compiled code requires (node built-ins left out), which the image must install. */
  requiredPackages(): string[] {
    const specifiers = javascriptFiles(join(this.root, 'dist')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]),
    );
    const packages = specifiers.filter((specifier) => !specifier.startsWith('.')).map(packageName);
    return [...new Set(packages)].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name)).sort();
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

async function run(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`nest build exited with ${code}:\n${output.join('').slice(-5000)}`);
}

function javascriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** `@scope/name/deep/path` → `@scope/name`, `name/deep` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
