"""``python -m fastagent`` runs the CLI."""

from fastagent.cli.main import main

raise SystemExit(main())
