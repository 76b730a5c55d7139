"""UI strings, one module per area of the app, each with `STRINGS: dict[key, (zh, en)]`."""
