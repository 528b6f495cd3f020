// Builds one of the todo apps into a page and its script, in memory (esbuild, already a
// dependency of the repository). `node examples/todo-apps/build.js` writes all three to dist/.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const src = new URL('./src/', import.meta.url);

/** @type {Record<import('./build.js').TodoAppName, {entry: string, title: string, body: string}>} */
const APPS = {
  react: { entry: 'react.js', title: 'React', body: '<div id="app"></div>' },
  vue: { entry: 'vue.js', title: 'Vue', body: '<div id="app"></div>' },
  elements: { entry: 'elements.js', title: 'Web components', body: '<todo-app></todo-app>' },
};

export const TODO_APPS = /** @type {import('./build.js').TodoAppName[]} */ (Object.keys(APPS));

/** @type {import('./build.js').buildTodoApp} */
export async function buildTodoApp(name, recorderTag = '') {
  const app = APPS[name];
  if (!app) throw new TypeError(`todo-apps: unknown app ${name}`);
  const [page, css, out] = await Promise.all([
    readFile(new URL('page.html', src), 'utf8'),
    readFile(new URL('todo.css', src), 'utf8'),
    build({
      entryPoints: [fileURLToPath(new URL(app.entry, src))],
      bundle: true,
      minify: true,
      format: 'iife',
      target: 'es2020',
      write: false,
      loader: { '.css': 'text' },
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    }),
  ]);
  const html = page
    .replace('<!-- app -->', app.title)
    .replace('<!-- css -->', css)
    .replace('<!-- body -->', app.body)
    .replace('<!-- reprise:recorder -->', recorderTag);
  return { html, js: out.outputFiles[0].text };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of TODO_APPS) {
    const dir = new URL(`./dist/${name}/`, import.meta.url);
    const { html, js } = await buildTodoApp(name, process.argv[2] ?? '');
    await mkdir(dir, { recursive: true });
    await writeFile(new URL('index.html', dir), html);
    await writeFile(new URL('app.js', dir), js);
    console.log(`dist/${name}/index.html`);
  }
}
