// The todo list in Vue 3 (the full build: the template below is compiled in the page).
import { createApp } from 'vue/dist/vue.esm-browser.prod.js';

let nextId = 1;

createApp({
  data: () => ({ todos: [], filter: 'all', draft: '', editing: null, editText: '' }),
  computed: {
    shown() {
      const f = this.filter;
      return this.todos.filter((t) => (f === 'active' ? !t.completed : f === 'completed' ? t.completed : true));
    },
    left() {
      return this.todos.filter((t) => !t.completed).length;
    },
  },
  methods: {
    add() {
      const title = this.draft.trim();
      if (!title) return;
      this.todos.push({ id: nextId++, title, completed: false });
      this.draft = '';
    },
    remove(todo) {
      this.todos = this.todos.filter((t) => t !== todo);
    },
    startEdit(todo) {
      this.editing = todo.id;
      this.editText = todo.title;
      this.$nextTick(() => this.$refs.edit?.[0]?.focus());
    },
    finishEdit(todo) {
      if (this.editing !== todo.id) return;
      this.editing = null;
      const title = this.editText.trim();
      if (title) todo.title = title;
      else this.remove(todo);
    },
    clearCompleted() {
      this.todos = this.todos.filter((t) => !t.completed);
    },
  },
  template: `
    <section class="todoapp">
      <h1>todos</h1>
      <input class="new-todo" data-testid="new-todo" placeholder="What needs to be done?" v-model="draft" @keydown.enter="add">
      <ul class="todo-list">
        <li v-for="todo in shown" :key="todo.id" :class="{ completed: todo.completed, editing: editing === todo.id }" data-testid="todo-item">
          <input v-if="editing === todo.id" ref="edit" class="edit" data-testid="edit" v-model="editText" @keydown.enter="finishEdit(todo)" @blur="finishEdit(todo)">
          <template v-else>
            <input class="toggle" type="checkbox" data-testid="toggle" v-model="todo.completed">
            <label data-testid="todo-label" @dblclick="startEdit(todo)">{{ todo.title }}</label>
            <button class="destroy" data-testid="destroy" aria-label="Delete" @click="remove(todo)">×</button>
          </template>
        </li>
      </ul>
      <footer v-if="todos.length" class="footer">
        <span class="todo-count" data-testid="todo-count">{{ left }} {{ left === 1 ? 'item' : 'items' }} left</span>
        <ul class="filters">
          <li v-for="f in ['all', 'active', 'completed']" :key="f">
            <button :class="{ selected: filter === f }" :data-testid="'filter-' + f" @click="filter = f">{{ f[0].toUpperCase() + f.slice(1) }}</button>
          </li>
        </ul>
        <button class="clear-completed" data-testid="clear-completed" :hidden="todos.length === left" @click="clearCompleted">Clear completed</button>
      </footer>
    </section>`,
}).mount('#app');
