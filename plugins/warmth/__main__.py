from warmth.cli import main

raise SystemExit(main())
