import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '..', '..');
const CONTINUES = 'snippet-continues';

/** A ```ts block of the README: its code and the README line its code starts on. */
interface Snippet {
  readonly code: string;
  readonly line: number;
  readonly continues: boolean;
}

/** One file to type-check: consecutive snippets, with each file line's README line. */
interface SnippetFile {
  readonly name: string;
  readonly lines: string[];
  readonly readmeLines: number[];
}

/** Every ```ts block of a markdown text (```ts snippet-continues marks a continuation). */
export function tsSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```ts(?:\s+(\S+))?\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    snippets.push({
      code: lines.slice(start, end).join('\n'),
      line: start + 1,
      continues: open[1] === CONTINUES,
    });
    i = end;
  }
  return snippets;
}

/** Groups snippets into files: a block marked as continuing joins the file before it. */
function snippetFiles(snippets: readonly Snippet[]): SnippetFile[] {
  const files: SnippetFile[] = [];
  for (const snippet of snippets) {
    if (snippet.continues && files.length === 0) {
      throw new Error(`README.md:${snippet.line}: the first ts block cannot continue another`);
    }
    if (!snippet.continues) {
      files.push({ name: `snippet-${files.length + 1}.ts`, lines: [], readmeLines: [] });
    }
    const file = files[files.length - 1];
    snippet.code.split('\n').forEach((text, i) => {
      file.lines.push(text);
      file.readmeLines.push(snippet.line + i);
    });
  }
  return files;
}

/** The compiler options an application needs (see the README), with `tessera-es` mapped to src. */
function tsconfigFor(files: readonly string[]): object {
  return {
    compilerOptions: {
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      module: 'commonjs',
      moduleResolution: 'node',
      target: 'ES2022',
      lib: ['ES2022'],
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      baseUrl: ROOT,
      paths: {
        'tessera-es': ['src/index.ts'],
        'tessera-es/testing': ['src/testing/index.ts'],
        // The snippets live outside the repository: their other imports resolve from its packages.
        '*': ['node_modules/*', 'node_modules/@types/*'],
      },
    },
    files,
  };
}

/** Type-checks the files; resolves with tsc's diagnostics, mapped to lines of `source`. */
async function typeCheck(files: readonly SnippetFile[], source = 'README.md'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-readme-'));
  try {
    const paths = files.map((file) => {
      const path = join(dir, file.name);
      writeFileSync(path, `${file.lines.join('\n')}\n`);
      return path;
    });
    const config = join(dir, 'tsconfig.json');
    writeFileSync(config, JSON.stringify(tsconfigFor(paths), null, 2));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      await promisify(execFile)(process.execPath, [
        tsc,
        '--noEmit',
        '--pretty',
        'false',
        '-p',
        config,
      ]);
      return '';
    } catch (error) {
      const output = (error as { stdout?: string }).stdout ?? String(error);
      return output.replace(
        /(snippet-\d+\.ts)\((\d+),(\d+)\)/g,
        (_, name: string, line: string) => {
          const file = files.find((f) => f.name === name);
          return `${source}:${file?.readmeLines[Number(line) - 1] ?? '?'} (${name}:${line})`;
        },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README.md snippets', () => {
  const snippets = tsSnippets(readFileSync(join(ROOT, 'README.md'), 'utf8'));

  it('has TypeScript snippets, the first one standing on its own', () => {
    expect(snippets.length).to.be.greaterThan(3);
    expect(snippets[0].continues).to.equal(false);
  });

  it('type-check against src with the compiler options the README asks for', async function () {
    this.timeout(60_000);
    const diagnostics = await typeCheck(snippetFiles(snippets));
    expect(diagnostics, diagnostics).to.equal('');
  });

  it('reports a snippet that does not compile, with its README line', async function () {
    this.timeout(60_000);
    const broken = tsSnippets(
      [
        '# x',
        '',
        '```ts',
        "import { DomainEvent } from 'tessera-es';",
        'const n: number = DomainEvent;',
        '```',
      ].join('\n'),
    );
    const diagnostics = await typeCheck(snippetFiles(broken));
    expect(diagnostics).to.match(/README\.md:5 .*TS2322/);
  });
});

describe('docs/schema-evolution.md snippets', () => {
  it('type-check against src like the README', async function () {
    this.timeout(60_000);
    const source = 'docs/schema-evolution.md';
    const snippets = tsSnippets(readFileSync(join(ROOT, source), 'utf8'));
    expect(snippets.length).to.be.greaterThan(0);
    const diagnostics = await typeCheck(snippetFiles(snippets), source);
    expect(diagnostics, diagnostics).to.equal('');
  });
});
