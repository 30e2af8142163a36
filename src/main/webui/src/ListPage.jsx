import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { colorOf, initialsOf, keepName, myName } from './me.js';
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
  'not-found': 'This list was deleted',
};

const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * A shared todo list: add, edit, complete, delete, clear completed, with the state of the connection, who else has the
 * list open, and which item each of them is editing.
 */
export function ListPage({ spaceID }) {
  const [name, setName] = useState(() => myName());
  const me = useMemo(() => ({ name, color: colorOf(name) }), [name]);
  const { todos, loaded, mutate, status, pending, others, setEditing } = useTodoList(spaceID, me);
  const editors = useMemo(() => {
    const byTodo = new Map();
    for (const other of others) {
      if (typeof other.state.editing === 'string' && typeof other.state.name === 'string') {
        byTodo.set(other.state.editing, [...(byTodo.get(other.state.editing) ?? []), other.state]);
      }
    }
    return byTodo;
  }, [others]);
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
        <People me={me} others={others} onRename={(picked) => setName(keepName(picked))} />
      </header>

      <form onSubmit={add} className="new-todo">
        <label htmlFor={newTodoId} className="visually-hidden">New todo</label>
        <input id={newTodoId} ref={newTodoInput} value={text} onChange={(e) => setText(e.target.value)}
          placeholder="What needs doing?" autoComplete="off" maxLength={500} />
        <button type="submit" className="primary" disabled={!text.trim() || !mutate}>Add</button>
      </form>

      {loaded && todos.length === 0 && <p className="hint empty">Nothing to do yet.</p>}
      <ul className="todos" aria-label="Todos">
        {todos.map((todo) => <TodoItem key={todo.id} todo={todo} mutate={mutate} editors={editors.get(todo.id) ?? []}
          showEditing={setEditing} />)}
      </ul>

      <footer className="list-footer">
        <span data-testid="left">{plural(left, 'item')} left</span>
        <button type="button" onClick={clearCompleted} disabled={done === 0}>Clear completed</button>
      </footer>
    </main>
  );
}

/** An avatar: a person's initials on their colour, their name on hover. */
function Avatar({ person, testID }) {
  return (
    <span className="avatar" style={{ background: person.color }} title={person.name} data-testid={testID}
      data-name={person.name}>
      {initialsOf(person.name)}
    </span>
  );
}

/** Who has the list open: the others' avatars, and this person's own, whose name they can change. */
function People({ me, others, onRename }) {
  const [renaming, setRenaming] = useState(false);
  const [draft, setDraft] = useState(me.name);
  const named = others.filter((other) => typeof other.state.name === 'string');
  return (
    <div className="people" aria-label="People on this list">
      {named.map((other) => (
        <Avatar key={other.clientID} person={{ name: other.state.name, color: other.state.color }} testID="avatar" />
      ))}
      {named.length > 0 && <span className="people-count">{plural(named.length, 'other')} here</span>}
      {renaming ? (
        <form className="rename" onSubmit={(event) => {
          event.preventDefault();
          onRename(draft);
          setRenaming(false);
        }}>
          <input aria-label="Your name" value={draft} maxLength={40} autoFocus
            onChange={(event) => setDraft(event.target.value)} onBlur={() => setRenaming(false)} />
        </form>
      ) : (
        <button type="button" className="quiet me" onClick={() => {
          setDraft(me.name);
          setRenaming(true);
        }} aria-label={`You are ${me.name}: change your name`}>
          <Avatar person={me} testID="me" /> {me.name}
        </button>
      )}
    </div>
  );
}

/**
 * One todo: a checkbox, its text (double-click or Edit to change it: Enter saves, Escape cancels) and Delete. While
 * someone else edits it, it shows their colour and initials.
 */
function TodoItem({ todo, mutate, editors, showEditing }) {
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

  // The others see which item this person edits: from the start of an edit to its end (or the item's removal).
  useEffect(() => {
    if (!editing) {
      return undefined;
    }
    showEditing(todo.id);
    return () => showEditing(null);
  }, [editing, todo.id, showEditing]);

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
  const editor = editors[0];
  return (
    <li className={`todo${todo.completed ? ' completed' : ''}${editor ? ' edited' : ''}`} data-testid="todo"
      style={editor ? { '--editor': editor.color } : undefined}>
      <input type="checkbox" checked={todo.completed} aria-label={`Done: ${todo.text}`}
        onChange={(e) => mutate.updateTodo({ id: todo.id, completed: e.target.checked })} />
      <span className="text" onDoubleClick={startEditing}>{todo.text}</span>
      {editors.map((person) => (
        <span key={person.name + person.color} className="editor" data-testid="editor" data-name={person.name}
          style={{ background: person.color }} title={`${person.name} is editing this`}>
          {person.name} is editing
        </span>
      ))}
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
