-- "The largest sort in space S": what the todo app's createTodo without a sort needs, as one step down an index
-- rather than a scan and parse of every entry of the space (see todo.SortedTodos).
-- Only values whose 'sort' is a JSON number are indexed, and only numbers that always cast to numeric: at most 1000
-- characters and an exponent of at most 3 digits (every number Jackson writes for a double, or reads from a request,
-- fits). The index's expression must never fail, or any application's write of a value it cannot cast would fail:
-- the predicate, which cannot fail itself, is checked before the expression is computed. Tombstones (value NULL)
-- are left out by the same predicate. entry.value is json: each check parses the value's text, so every entry
-- written pays one parse more, and one that has a numeric sort a few more.
CREATE INDEX entry_sort ON entry (space_id, ((value ->> 'sort')::numeric))
    WHERE json_typeof(value -> 'sort') = 'number'
        AND length(value ->> 'sort') <= 1000
        AND (value ->> 'sort') !~ '[eE][-+]?[0-9]{4}';
