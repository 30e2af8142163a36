import { useEffect, useId, useRef, useState } from 'react';
import { followLink } from './router.js';
import { useTodoList } from './useTodoList.js';

const STATUS_TEXT = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: changes are kept here and sent when you are back online',
  closed: 'Disconnected',
  unauthorized: 'Signed out: open this list again from your site to sign in (changes are kept here)',
  forbidden: 'You have no access to this list',
};

const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** A shared todo list: add, edit, complete, delete, clear completed, with the state of the connection. */
export function ListPage({ spaceID }) {
  const { todos, loaded, mutate, status, pending } = useTodoList(spaceID);
  const [text, setText] = useState('');
  const newTodoInput = useRef(null);
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

  function clearCompleted() {
    todos.filter((todo) => todo.completed).forEach((todo) => mutate.deleteTodo(todo.id));
    newTodoInput.current?.focus(); // the button is about to be disabled
  }

  return (
    <main className="page">
      <nav>
        <a href="/" onClick={followLink}>← All lists</a>
      </nav>
      <header className="list-header">
        <h1>List <code>{spaceID}</code></h1>
        <p className={`status status-${status}`} role="status" data-testid="status">
          <span className="dot" aria-hidden="true" />
          <span>
            {STATUS_TEXT[status] ?? status}
            {pending > 0 && <span data-testid="pending"> · {plural(pending, 'change')} not yet confirmed</span>}
          </span>
        </p>
      </header>

      <form onSubmit={add} className="new-todo">
        <label htmlFor={newTodoId} className="visually-hidden">New todo</label>
        <input id={newTodoId} ref={newTodoInput} value={text} onChange={(e) => setText(e.target.value)}
          placeholder="What needs doing?" autoComplete="off" maxLength={500} />
        <button type="submit" className="primary" disabled={!text.trim() || !mutate}>Add</button>
      </form>

      {loaded && todos.length === 0 && <p className="hint empty">Nothing to do yet.</p>}
      <ul className="todos" aria-label="Todos">
        {todos.map((todo) => <TodoItem key={todo.id} todo={todo} mutate={mutate} />)}
      </ul>

      <footer className="list-footer">
        <span data-testid="left">{plural(left, 'item')} left</span>
        <button type="button" onClick={clearCompleted} disabled={done === 0}>Clear completed</button>
      </footer>
    </main>
  );
}

/** One todo: a checkbox, its text (double-click or Edit to change it: Enter saves, Escape cancels) and Delete. */
function TodoItem({ todo, mutate }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(todo.text);
  const input = useRef(null);
  const editButton = useRef(null);
  const finished = useRef(false); // Enter or Escape already ended this edit: the blur that follows does nothing
  const returnFocus = useRef(false);

  useEffect(() => {
    if (editing) {
      input.current?.focus();
      input.current?.select();
    } else if (returnFocus.current) {
      returnFocus.current = false;
      editButton.current?.focus();
    }
  }, [editing]);

  function startEditing() {
    setDraft(todo.text);
    finished.current = false;
    setEditing(true);
  }

  function finish(save, keepFocus) {
    if (finished.current) {
      return;
    }
    finished.current = true;
    const trimmed = draft.trim();
    if (save && trimmed && trimmed !== todo.text) {
      mutate.updateTodo({ id: todo.id, text: trimmed });
    } else if (save && !trimmed) {
      mutate.deleteTodo(todo.id); // saving an empty text removes the todo, as in TodoMVC
    }
    returnFocus.current = keepFocus;
    setEditing(false);
  }

  if (editing) {
    return (
      <li className="todo editing" data-testid="todo-editing">
        <input ref={input} aria-label={`Edit ${todo.text}`} value={draft} maxLength={500}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => finish(true, false)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              finish(true, true);
            } else if (e.key === 'Escape') {
              e.preventDefault();
              finish(false, true);
            }
          }} />
      </li>
    );
  }
  return (
    <li className={`todo${todo.completed ? ' completed' : ''}`} data-testid="todo">
      <input type="checkbox" checked={todo.completed} aria-label={`Done: ${todo.text}`}
        onChange={(e) => mutate.updateTodo({ id: todo.id, completed: e.target.checked })} />
      <span className="text" onDoubleClick={startEditing}>{todo.text}</span>
      <button type="button" ref={editButton} className="quiet" aria-label={`Edit ${todo.text}`} onClick={startEditing}>
        Edit
      </button>
      <button type="button" className="quiet danger" aria-label={`Delete ${todo.text}`}
        onClick={() => mutate.deleteTodo(todo.id)}>
        Delete
      </button>
    </li>
  );
}
