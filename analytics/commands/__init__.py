"""The command line's commands, one module each: options (add_parser), up-front checks (check), run."""
