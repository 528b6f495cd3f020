// The todo list as vanilla custom elements with shadow DOM: <todo-app> renders its list by
// replacing every <todo-item> on each change (a full re-render), each item in its own shadow root.
import css from './todo.css';

let nextId = 1;

class TodoItem extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
  }

  /** @param {{id: number, title: string, completed: boolean}} todo */
  render(todo, editing) {
    const root = /** @type {ShadowRoot} */ (this.shadowRoot);
    const cls = [todo.completed ? 'completed' : '', editing ? 'editing' : ''].filter(Boolean).join(' ');
    root.innerHTML = `<style>${css}</style><ul class="todo-list"><li data-testid="todo-item"${cls ? ` class="${cls}"` : ''}></li></ul>`;
    const li = /** @type {HTMLLIElement} */ (root.querySelector('li'));
    const emit = (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
    if (editing) {
      const input = document.createElement('input');
      input.className = 'edit';
      input.dataset.testid = 'edit';
      input.value = todo.title;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        emit('todo-save', { id: todo.id, title: input.value.trim() });
      };
      input.addEventListener('keydown', (e) => e.key === 'Enter' && finish());
      input.addEventListener('blur', finish);
      li.append(input);
      queueMicrotask(() => input.focus());
      return;
    }
    const toggle = document.createElement('input');
    toggle.type = 'checkbox';
    toggle.className = 'toggle';
    toggle.dataset.testid = 'toggle';
    toggle.checked = todo.completed;
    toggle.addEventListener('change', () => emit('todo-toggle', { id: todo.id }));
    const label = document.createElement('label');
    label.dataset.testid = 'todo-label';
    label.textContent = todo.title;
    label.addEventListener('dblclick', () => emit('todo-edit', { id: todo.id }));
    const destroy = document.createElement('button');
    destroy.className = 'destroy';
    destroy.dataset.testid = 'destroy';
    destroy.setAttribute('aria-label', 'Delete');
    destroy.textContent = '×';
    destroy.addEventListener('click', () => emit('todo-destroy', { id: todo.id }));
    li.append(toggle, label, destroy);
  }
}

class TodoApp extends HTMLElement {
  constructor() {
    super();
    /** @type {{id: number, title: string, completed: boolean}[]} */
    this.todos = [];
    this.filter = 'all';
    /** @type {number | null} */
    this.editing = null;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${css}</style>
      <section class="todoapp">
        <h1>todos</h1>
        <input class="new-todo" data-testid="new-todo" placeholder="What needs to be done?">
        <div class="items"></div>
        <footer class="footer" hidden></footer>
      </section>`;
    const input = /** @type {HTMLInputElement} */ (root.querySelector('.new-todo'));
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || !input.value.trim()) return;
      this.todos.push({ id: nextId++, title: input.value.trim(), completed: false });
      input.value = '';
      this.update();
    });
    const find = (e) => this.todos.find((t) => t.id === e.detail.id);
    root.addEventListener('todo-toggle', (e) => {
      const t = find(e);
      if (t) t.completed = !t.completed;
      this.update();
    });
    root.addEventListener('todo-destroy', (e) => {
      this.todos = this.todos.filter((t) => t.id !== e.detail.id);
      this.update();
    });
    root.addEventListener('todo-edit', (e) => {
      this.editing = e.detail.id;
      this.update();
    });
    root.addEventListener('todo-save', (e) => {
      const t = find(e);
      this.editing = null;
      if (t && e.detail.title) t.title = e.detail.title;
      else this.todos = this.todos.filter((x) => x.id !== e.detail.id);
      this.update();
    });
    root.addEventListener('click', (e) => {
      const b = /** @type {HTMLElement} */ (e.target).closest?.('button');
      if (!b) return;
      if (b.dataset.filter) this.filter = b.dataset.filter;
      else if (b.classList.contains('clear-completed')) this.todos = this.todos.filter((t) => !t.completed);
      else return;
      this.update();
    });
  }

  update() {
    const root = /** @type {ShadowRoot} */ (this.shadowRoot);
    const f = this.filter;
    const shown = this.todos.filter((t) => (f === 'active' ? !t.completed : f === 'completed' ? t.completed : true));
    const items = /** @type {HTMLElement} */ (root.querySelector('.items'));
    items.replaceChildren(
      ...shown.map((t) => {
        const el = /** @type {TodoItem} */ (document.createElement('todo-item'));
        el.render(t, this.editing === t.id);
        return el;
      }),
    );
    const footer = /** @type {HTMLElement} */ (root.querySelector('.footer'));
    footer.hidden = this.todos.length === 0;
    const left = this.todos.filter((t) => !t.completed).length;
    footer.innerHTML = `<span class="todo-count" data-testid="todo-count">${left} ${left === 1 ? 'item' : 'items'} left</span>
      <ul class="filters">${['all', 'active', 'completed']
        .map(
          (x) =>
            `<li><button data-filter="${x}" data-testid="filter-${x}"${x === f ? ' class="selected"' : ''}>${x[0].toUpperCase() + x.slice(1)}</button></li>`,
        )
        .join('')}</ul>
      <button class="clear-completed" data-testid="clear-completed"${this.todos.length === left ? ' hidden' : ''}>Clear completed</button>`;
  }
}

customElements.define('todo-item', TodoItem);
customElements.define('todo-app', TodoApp);
