"""Web pages: thin views over the same services the CLI and API use."""
