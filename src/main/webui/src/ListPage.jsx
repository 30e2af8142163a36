import { useEffect, useId, useRef, useState } from 'react';
import { navigate } from './main.jsx';
import { useTodoList } from './useTodoList.js';

const STATUS_TEXT = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: changes are kept and sent when back online',
  closed: 'Disconnected',
};

/** A shared todo list: add, edit, complete, delete, clear completed. */
export function ListPage({ spaceID }) {
  const { todos, mutate, status, pending } = useTodoList(spaceID);
  const [text, setText] = useState('');
  const newTodoId = useId();
  const left = todos.filter((todo) => !todo.completed).length;
  const done = todos.length - left;

  useEffect(() => {
    document.title = `List ${spaceID} · replicache-quarkus`;
  }, [spaceID]);

  function add(event) {
    event.preventDefault();
    const trimmed = text.trim();
    if (trimmed && mutate) {
      mutate.createTodo({ id: crypto.randomUUID(), text: trimmed, completed: false });
      setText('');
    }
  }

  return (
    <main className="page">
      <nav>
        <a href="/" onClick={(e) => { e.preventDefault(); navigate('/'); }}>← All lists</a>
      </nav>
      <header>
        <h1>List <code>{spaceID}</code></h1>
        <p className={`status status-${status}`} role="status" aria-live="polite" data-testid="status">
          <span className="dot" aria-hidden="true" />
          {STATUS_TEXT[status] ?? status}
          {pending > 0 && <span data-testid="pending"> · {pending} change{pending === 1 ? '' : 's'} waiting</span>}
        </p>
      </header>

      <form onSubmit={add} className="new-todo">
        <label htmlFor={newTodoId} className="visually-hidden">New todo</label>
        <input id={newTodoId} value={text} onChange={(e) => setText(e.target.value)} placeholder="What needs doing?"
          autoComplete="off" maxLength={500} />
        <button type="submit" className="primary" disabled={!text.trim()}>Add</button>
      </form>

      <ul className="todos" aria-label="Todos">
        {todos.map((todo) => <TodoItem key={todo.id} todo={todo} mutate={mutate} />)}
      </ul>

      <footer className="list-footer">
        <span data-testid="left">{left} item{left === 1 ? '' : 's'} left</span>
        <button type="button" onClick={() => todos.filter((t) => t.completed).forEach((t) => mutate.deleteTodo(t.id))}
          disabled={done === 0}>
          Clear completed
        </button>
      </footer>
    </main>
  );
}

function TodoItem({ todo, mutate }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(todo.text);
  const input = useRef(null);

  useEffect(() => {
    if (editing) {
      input.current?.focus();
    }
  }, [editing]);

  function save() {
    const trimmed = draft.trim();
    if (trimmed && trimmed !== todo.text) {
      mutate.updateTodo({ id: todo.id, text: trimmed });
    }
    setEditing(false);
  }

  if (editing) {
    return (
      <li className="todo editing">
        <input ref={input} aria-label={`Edit ${todo.text}`} value={draft} maxLength={500}
          onChange={(e) => setDraft(e.target.value)} onBlur={save}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              save();
            } else if (e.key === 'Escape') {
              setDraft(todo.text);
              setEditing(false);
            }
          }} />
      </li>
    );
  }
  return (
    <li className={`todo${todo.completed ? ' completed' : ''}`} data-testid="todo">
      <input type="checkbox" checked={todo.completed} aria-label={`Done: ${todo.text}`}
        onChange={(e) => mutate.updateTodo({ id: todo.id, completed: e.target.checked })} />
      <span className="text" onDoubleClick={() => { setDraft(todo.text); setEditing(true); }}>{todo.text}</span>
      <button type="button" className="quiet" aria-label={`Edit ${todo.text}`}
        onClick={() => { setDraft(todo.text); setEditing(true); }}>Edit</button>
      <button type="button" className="quiet danger" aria-label={`Delete ${todo.text}`}
        onClick={() => mutate.deleteTodo(todo.id)}>Delete</button>
    </li>
  );
}
