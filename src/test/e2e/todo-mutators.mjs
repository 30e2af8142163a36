// The app's own mutators: the tests drive the code the todo app ships.
export { listTodos, mutators } from '../../main/webui/src/todo/mutators.js';
