// Node module hooks that let a child `node` process load our TypeScript sources directly (tsx is
// not installed and Node 20 cannot strip types): `.js` specifiers fall back to the `.ts` file,
// and `.ts` files are transpiled with TypeScript's transpileModule. For store tests only.
import { readFile } from 'node:fs/promises';
import { URL } from 'node:url';
import ts from 'typescript';

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && specifier.endsWith('.js') && specifier.startsWith('.')) {
      return next(`${specifier.slice(0, -3)}.ts`, context);
    }
    throw e;
  }
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const out = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
