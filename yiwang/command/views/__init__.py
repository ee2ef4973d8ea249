"""Pages of the command center: the screen and its analysis, tasks and incidents (screen), and
the dispatcher's console (console)."""
