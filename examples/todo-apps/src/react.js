// The todo list in React 19: keyed list items, state in one component.
import { createElement as h, useState, useRef, useEffect } from 'react';
import { createRoot } from 'react-dom/client';

let nextId = 1;

function Item({ todo, onToggle, onDestroy, onSave }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(todo.title);
  const edit = useRef(null);
  useEffect(() => {
    if (editing) edit.current?.focus();
  }, [editing]);
  const finish = () => {
    setEditing(false);
    const t = text.trim();
    if (t) onSave(t);
    else onDestroy();
  };
  const cls = [todo.completed ? 'completed' : '', editing ? 'editing' : ''].filter(Boolean).join(' ');
  return h(
    'li',
    { className: cls || undefined, 'data-testid': 'todo-item' },
    editing
      ? h('input', {
          ref: edit,
          className: 'edit',
          'data-testid': 'edit',
          value: text,
          onChange: (e) => setText(e.target.value),
          onKeyDown: (e) => e.key === 'Enter' && finish(),
          onBlur: () => editing && finish(),
        })
      : [
          h('input', {
            key: 't',
            className: 'toggle',
            type: 'checkbox',
            'data-testid': 'toggle',
            checked: todo.completed,
            onChange: onToggle,
          }),
          h('label', { key: 'l', 'data-testid': 'todo-label', onDoubleClick: () => (setText(todo.title), setEditing(true)) }, todo.title),
          h('button', { key: 'd', className: 'destroy', 'data-testid': 'destroy', 'aria-label': 'Delete', onClick: onDestroy }, '×'),
        ],
  );
}

function App() {
  const [todos, setTodos] = useState([]);
  const [filter, setFilter] = useState('all');
  const [draft, setDraft] = useState('');
  const shown = todos.filter((t) => (filter === 'active' ? !t.completed : filter === 'completed' ? t.completed : true));
  const left = todos.filter((t) => !t.completed).length;
  const update = (id, change) => setTodos((all) => all.map((t) => (t.id === id ? { ...t, ...change } : t)));
  return h(
    'section',
    { className: 'todoapp' },
    h('h1', null, 'todos'),
    h('input', {
      className: 'new-todo',
      'data-testid': 'new-todo',
      placeholder: 'What needs to be done?',
      value: draft,
      onChange: (e) => setDraft(e.target.value),
      onKeyDown: (e) => {
        if (e.key !== 'Enter' || !draft.trim()) return;
        setTodos((all) => [...all, { id: nextId++, title: draft.trim(), completed: false }]);
        setDraft('');
      },
    }),
    h(
      'ul',
      { className: 'todo-list' },
      shown.map((t) =>
        h(Item, {
          key: t.id,
          todo: t,
          onToggle: () => update(t.id, { completed: !t.completed }),
          onDestroy: () => setTodos((all) => all.filter((x) => x.id !== t.id)),
          onSave: (title) => update(t.id, { title }),
        }),
      ),
    ),
    todos.length > 0 &&
      h(
        'footer',
        { className: 'footer' },
        h('span', { className: 'todo-count', 'data-testid': 'todo-count' }, `${left} ${left === 1 ? 'item' : 'items'} left`),
        h(
          'ul',
          { className: 'filters' },
          ['all', 'active', 'completed'].map((f) =>
            h(
              'li',
              { key: f },
              h(
                'button',
                { className: f === filter ? 'selected' : undefined, 'data-testid': `filter-${f}`, onClick: () => setFilter(f) },
                f[0].toUpperCase() + f.slice(1),
              ),
            ),
          ),
        ),
        h(
          'button',
          {
            className: 'clear-completed',
            'data-testid': 'clear-completed',
            hidden: todos.length === left,
            onClick: () => setTodos((all) => all.filter((t) => !t.completed)),
          },
          'Clear completed',
        ),
      ),
  );
}

createRoot(document.getElementById('app')).render(h(App));
