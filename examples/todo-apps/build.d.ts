export type TodoAppName = 'react' | 'vue' | 'elements';

export declare const TODO_APPS: TodoAppName[];

/** The app's page (with `recorderTag` in its head) and its bundled script, served as `app.js` beside it. */
export declare function buildTodoApp(name: TodoAppName, recorderTag?: string): Promise<{ html: string; js: string }>;
